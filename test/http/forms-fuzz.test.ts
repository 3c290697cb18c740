import type { InjectOptions } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { FORM_PROVIDERS, type FormProvider } from "../../src/forms/providers.js";
import { createRandom } from "../../src/sandbox/random.js";
import {
  FORM_FIELDS,
  formPost,
  genericBody,
  googleBody,
  PERSONAL,
  tallyBody,
  tildaBody,
  typeformBody,
  yandexBody,
} from "../forms/bodies.js";
import { FORM_SECRET, type FormHarness, formHarness } from "../forms/harness.js";

const ATTENDEE = 700_000_003;

const open: FormHarness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

function sample(provider: FormProvider, h: FormHarness, n: number): unknown {
  const ref = n % 3 === 0 ? undefined : h.deepLinks.formReference(ATTENDEE);
  const withRef = ref === undefined ? {} : { ref };
  switch (provider) {
    case "typeform":
      return typeformBody({ token: `tok${n}`, ...withRef });
    case "tally":
      return tallyBody({ responseId: `r${n}`, ...withRef });
    case "tilda":
      return tildaBody({ tranid: `4702315:${n}`, ...withRef });
    case "yandex":
      return yandexBody({ id: n, ...withRef });
    case "google":
      return googleBody({ responseId: `2_g${n}`, ...withRef });
    case "generic":
      return { ...(genericBody({ id: `g${n}` }) as object), ...withRef };
  }
}

const WEIRD: unknown[] = [
  null,
  0,
  -1.5e308,
  true,
  "",
  " ",
  "\u0000\u202e<b>&amp;",
  "x".repeat(600),
  "+7 916 000-00-00",
  "someone@example.com",
  [],
  [[[]]],
  {},
  { __proto__: { polluted: 1 } },
  JSON.parse('{"__proto__": {"polluted": 1}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}'),
  ["a", 1, null],
];

/** Replaces one value somewhere in a JSON body (or the whole body). */
function mutateJson(value: unknown, next: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  if (depth > 0 && next() < 0.25) return pick(WEIRD);
  if (Array.isArray(value) && value.length > 0) {
    const copy = [...value];
    const i = Math.floor(next() * copy.length);
    copy[i] = mutateJson(copy[i], next, depth + 1);
    return copy;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return pick(WEIRD);
    const copy: Record<string, unknown> = Object.fromEntries(entries);
    const [key] = pick(entries);
    if (next() < 0.2) delete copy[key];
    else copy[key] = mutateJson(copy[key], next, depth + 1);
    return copy;
  }
  return depth === 0 ? pick(WEIRD) : pick(WEIRD);
}

function mutateBytes(raw: Buffer, next: () => number): Buffer {
  const bytes = Buffer.from(raw);
  const kind = Math.floor(next() * 3);
  if (kind === 0) return bytes.subarray(0, Math.floor(next() * bytes.length));
  if (kind === 1) {
    for (let i = 0; i < 3; i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
    return bytes;
  }
  const at = Math.floor(next() * bytes.length);
  return Buffer.concat([
    bytes.subarray(0, at),
    Buffer.from([0xf0, 0x28, 0x8c, 0xbc, 0x22, 0x7b]),
    bytes.subarray(at),
  ]);
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=windows-1251",
  "text/plain",
  "multipart/form-data; boundary=x",
];

function request(h: FormHarness, provider: FormProvider, n: number, next: () => number): InjectOptions {
  const base = sample(provider, h, n);
  const roll = next();
  if (roll < 0.35) {
    // A well-signed body with a value changed: the mapping and the parsers meet it.
    const body =
      provider === "tilda"
        ? `${base as string}&${n % 2 ? "city" : "tranid"}=${encodeURIComponent(String(mutateJson(null, next, 1)))}`
        : mutateJson(base, next);
    return formPost(provider, FORM_SECRET, body);
  }
  const raw = Buffer.from(typeof base === "string" ? base : JSON.stringify(base));
  if (roll < 0.6) return formPost(provider, FORM_SECRET, base, { raw: mutateBytes(raw, next) });
  if (roll < 0.75) {
    const contentType = CONTENT_TYPES[Math.floor(next() * CONTENT_TYPES.length)] as string;
    return formPost(provider, FORM_SECRET, base, { contentType });
  }
  if (roll < 0.85) {
    const options = formPost(provider, FORM_SECRET, base, { unsigned: true });
    const garbage = raw.toString("base64").slice(0, Math.floor(next() * 60));
    return {
      ...options,
      url: `${options.url}${provider === "tilda" ? `/${garbage.replace(/[/+=]/g, "")}` : ""}`,
      headers: {
        ...options.headers,
        "typeform-signature": `sha256=${garbage}`,
        "tally-signature": garbage,
        "x-herald-form-token": garbage,
      },
    };
  }
  if (roll < 0.92) {
    const { headers, ...options } = formPost(provider, FORM_SECRET, base);
    const { "content-type": _dropped, ...rest } = headers as Record<string, string>;
    return { ...options, headers: rest };
  }
  const urls = [
    "/webhooks/forms/",
    "/webhooks/forms/TALLY",
    "/webhooks/forms/tilda",
    "/webhooks/forms/tilda/x/y",
    "/webhooks/forms/%00",
    "/webhooks/forms/__proto__",
  ];
  return { ...formPost(provider, FORM_SECRET, base), url: urls[Math.floor(next() * urls.length)] as string };
}

describe("fuzzing the form doors", () => {
  it("never answers 5xx, and no refused request writes a row or leaks personal data", async () => {
    const h = formHarness({ FORM_FIELDS });
    open.push(h);
    h.subscribe(ATTENDEE);
    const next = createRandom(20261204);
    const statuses = new Map<number, number>();
    for (let n = 0; n < 360; n++) {
      const provider = FORM_PROVIDERS[n % FORM_PROVIDERS.length] as FormProvider;
      const before = h.snapshot();
      const response = await h.send(request(h, provider, n, next));
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      expect(response.statusCode, `request ${n} (${provider}): ${response.body}`).toBeLessThan(500);
      expect(() => response.json(), `request ${n} answers JSON`).not.toThrow();
      if (response.statusCode >= 400)
        expect(h.snapshot(), `request ${n} (${provider}) was refused`).toEqual(before);
    }
    // The run reached past the doors: accepted and refused requests both.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(10);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const logs = h.logs.text();
    expect(logs).not.toContain("internal_error");
    for (const value of PERSONAL) expect(logs).not.toContain(value);
  });

  it("answers a value nested 60,000 arrays deep at every place a parser reads, without a 5xx", async () => {
    const h = formHarness({ FORM_FIELDS });
    open.push(h);
    const DEEP = "__deep__";
    const deep = `${"[".repeat(60_000)}${"]".repeat(60_000)}`;
    /** The body as JSON with the value at `path` (keys and array indexes) nested 60,000 deep. */
    const at = (body: unknown, path: Array<string | number>): string => {
      const json = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
      let node = json as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
      node[path.at(-1) as string | number] = DEEP;
      return JSON.stringify(json).replaceAll(`"${DEEP}"`, deep);
    };
    const cases: Array<[FormProvider, string]> = [
      ["typeform", at(typeformBody({ token: "t1" }), ["form_response", "hidden", "utm_source"])],
      ["typeform", at(typeformBody({ token: "t2" }), ["form_response", "answers", 3, "choice", "label"])],
      ["typeform", at(typeformBody({ token: "t3" }), ["form_response", "token"])],
      ["tally", at(tallyBody({ responseId: "r1" }), ["data", "fields", 3, "value"])],
      ["tally", at(tallyBody({ responseId: "r2" }), ["data", "fields", 0, "value"])],
      ["yandex", at(yandexBody({ id: 1 }), ["answers", "City"])],
      ["yandex", at(yandexBody({ id: 2 }), ["name"])],
      ["google", at(googleBody({ responseId: "g1" }), ["answers", 2, "value"])],
      ["generic", at(genericBody({ id: "d1" }), ["answers", "city"])],
      ["generic", `{"id":"q","a":${deep}}`],
    ];
    for (const [provider, raw] of cases) {
      expect(raw.length).toBeGreaterThan(120_000);
      const before = h.snapshot();
      const response = await h.send(formPost(provider, FORM_SECRET, undefined, { raw }));
      expect(response.statusCode, `${provider}: ${response.body}`).toBeLessThan(500);
      if (response.statusCode >= 400) expect(h.snapshot(), `${provider} was refused`).toEqual(before);
    }
    expect(h.logs.text()).not.toContain("internal_error");
  });
});
