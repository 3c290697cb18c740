import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkSignature, MAX_SKEW_SECONDS, signBody } from "../../src/http/signature.js";

const SECRET = "webhook-secret-for-signature-tests";
const NOW_MS = Date.UTC(2026, 10, 21, 9, 0, 0);
const NOW_S = NOW_MS / 1000;
const BODY = '{"event_id":"evt-1","answer_id":"12345"}';

function check(
  overrides: Partial<{
    secret: string;
    timestamp: string | undefined;
    signature: string | undefined;
    rawBody: Buffer;
    nowMs: number;
  }> = {},
) {
  const timestamp = String(NOW_S);
  return checkSignature({
    secret: SECRET,
    timestamp,
    signature: signBody(SECRET, NOW_S, BODY),
    rawBody: Buffer.from(BODY),
    nowMs: NOW_MS,
    ...overrides,
  });
}

describe("signBody", () => {
  it("is sha256=<hex HMAC-SHA256(secret, '<timestamp>.<raw body>')>", () => {
    const expected = createHmac("sha256", SECRET).update(`${NOW_S}.${BODY}`).digest("hex");
    expect(signBody(SECRET, NOW_S, BODY)).toBe(`sha256=${expected}`);
    expect(signBody(SECRET, NOW_S, Buffer.from(BODY))).toBe(`sha256=${expected}`);
  });
});

describe("checkSignature", () => {
  it("accepts a body signed with the secret and the current time", () => {
    expect(check()).toEqual({ ok: true });
  });

  it("accepts a signature with surrounding whitespace", () => {
    expect(check({ signature: ` ${signBody(SECRET, NOW_S, BODY)} ` })).toEqual({ ok: true });
  });

  it("refuses a signature made with another secret", () => {
    const result = check({ signature: signBody("another-secret-entirely-0000", NOW_S, BODY) });
    expect(result).toEqual({ ok: false, reason: "the signature does not match the body" });
  });

  it("refuses a body changed by one byte after signing", () => {
    const tampered = Buffer.from(BODY);
    tampered[tampered.length - 3] = "4".charCodeAt(0);
    expect(tampered.toString()).not.toBe(BODY);
    expect(check({ rawBody: tampered })).toMatchObject({ ok: false });
  });

  it("refuses a body with a byte added", () => {
    expect(check({ rawBody: Buffer.from(`${BODY} `) })).toMatchObject({ ok: false });
  });

  it("refuses a signature made over another timestamp than the one sent", () => {
    expect(check({ timestamp: String(NOW_S - 1) })).toEqual({
      ok: false,
      reason: "the signature does not match the body",
    });
  });

  it("refuses a truncated, bare-hex or garbage signature without throwing", () => {
    const good = signBody(SECRET, NOW_S, BODY);
    for (const signature of [
      good.slice(0, -1),
      good.slice("sha256=".length),
      "sha256=",
      "x",
      "é".repeat(71),
    ]) {
      expect(() => check({ signature })).not.toThrow();
      expect(check({ signature })).toMatchObject({ ok: false });
    }
  });

  it.each([
    ["the timestamp", { timestamp: undefined }],
    ["the signature", { signature: undefined }],
    ["both headers", { timestamp: undefined, signature: undefined }],
    ["an empty timestamp", { timestamp: "" }],
    ["an empty signature", { signature: "" }],
  ])("refuses a request missing %s and names both headers", (_name, overrides) => {
    const result = check(overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain("x-herald-timestamp");
      expect(result.reason).toContain("x-herald-signature");
    }
  });

  it.each(["abc", "1.5", "-1", "1e9", " 1", `${NOW_S}ms`, "0x10", "1234567890123"])(
    "refuses the non-numeric timestamp %j",
    (timestamp) => {
      expect(check({ timestamp })).toEqual({ ok: false, reason: "x-herald-timestamp must be Unix seconds" });
    },
  );

  it("refuses a timestamp in milliseconds", () => {
    expect(check({ timestamp: String(NOW_MS) }).ok).toBe(false);
  });

  it("allows five minutes of skew", () => {
    expect(MAX_SKEW_SECONDS).toBe(300);
  });

  it("refuses a timestamp more than five minutes old", () => {
    const stale = NOW_S - 301;
    const result = check({ timestamp: String(stale), signature: signBody(SECRET, stale, BODY) });
    expect(result).toEqual({ ok: false, reason: "x-herald-timestamp is more than 5 minutes away from now" });
  });

  it("refuses a timestamp more than five minutes ahead", () => {
    const future = NOW_S + 301;
    const result = check({ timestamp: String(future), signature: signBody(SECRET, future, BODY) });
    expect(result).toEqual({ ok: false, reason: "x-herald-timestamp is more than 5 minutes away from now" });
  });

  it("refuses a captured request replayed six minutes later", () => {
    expect(check({ nowMs: NOW_MS + 6 * 60_000 }).ok).toBe(false);
  });

  it("accepts a timestamp exactly five minutes old or ahead", () => {
    for (const timestamp of [NOW_S - 300, NOW_S + 300]) {
      const result = check({ timestamp: String(timestamp), signature: signBody(SECRET, timestamp, BODY) });
      expect(result).toEqual({ ok: true });
    }
  });

  it("refuses half a second past five minutes when the clock is between seconds", () => {
    expect(check({ nowMs: NOW_MS + 300_000 })).toEqual({ ok: true });
    expect(check({ nowMs: NOW_MS + 300_500 }).ok).toBe(false);
    expect(check({ nowMs: NOW_MS - 300_500 }).ok).toBe(false);
  });

  it("refuses a stale timestamp even when the signature is valid for it", () => {
    const stale = NOW_S - 3600;
    expect(check({ timestamp: String(stale), signature: signBody(SECRET, stale, BODY) }).ok).toBe(false);
  });
});
