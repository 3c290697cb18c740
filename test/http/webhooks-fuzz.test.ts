import { afterEach, describe, expect, it } from "vitest";
import { createRandom } from "../../src/sandbox/random.js";
import { closeHarnesses, type Harness, setup } from "../helpers/webhook-harness.js";

/*
 * Seeded fuzzing of the signed webhook doors: thousands of malformed, mistyped and hostile bodies,
 * each correctly signed so it gets past authentication and reaches parsing, validation and the
 * domain. Whatever comes in: never a 5xx, always a JSON refusal with an error name, and a refused
 * request leaves every table exactly as it was.
 */

afterEach(closeHarnesses);

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  "",
  " ",
  "x".repeat(5000),
  "\u0000",
  "\ud800",
  "💥🎟️",
  "<script>alert(1)</script>",
  "Robert'); DROP TABLE registrations;--",
  "ann@example.org",
  "+7 912 345-67-89",
  "https://[tickets.example.org/t/1",
  "javascript:alert(1)",
  [],
  [1, "a", null],
  {},
  { nested: { deeper: ["x"] } },
];
const ODD_KEYS = ["__proto__", "constructor", "prototype", "", "phone", "Имя", "a".repeat(200), "toString"];

/** One structural change somewhere in a JSON value: a replaced value, a dropped key, an added key. */
function mutateValue(rng: Rng, value: unknown, depth = 0): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && depth < 3 && rng() < 0.7) {
    const entries = Object.entries(value as Record<string, unknown>);
    const choice = rng();
    if (choice < 0.2 && entries.length > 0) {
      entries.splice(Math.floor(rng() * entries.length), 1);
    } else if (choice < 0.4) {
      entries.push([pick(rng, ODD_KEYS), pick(rng, ODD_VALUES)]);
    } else if (entries.length > 0) {
      const index = Math.floor(rng() * entries.length);
      const [key, inner] = entries[index] as [string, unknown];
      entries[index] = [key, mutateValue(rng, inner, depth + 1)];
    }
    // Object.fromEntries would turn a "__proto__" entry into a prototype change: build the JSON by hand.
    return { toJSON: () => entries, entries };
  }
  return pick(rng, ODD_VALUES);
}

function serialise(value: unknown): string {
  if (value !== null && typeof value === "object" && "entries" in value && "toJSON" in value) {
    const entries = (value as { entries: Array<[string, unknown]> }).entries;
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${serialise(inner)}`).join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(serialise).join(",")}]`;
  return JSON.stringify(value) ?? "null";
}

/** A change at the byte level: truncation, a flipped byte, invalid UTF-8, a BOM, deep nesting. */
function mutateBytes(rng: Rng, raw: string): Buffer {
  const bytes = Buffer.from(raw);
  switch (Math.floor(rng() * 6)) {
    case 0:
      return bytes.subarray(0, Math.floor(rng() * bytes.length));
    case 1: {
      const copy = Buffer.from(bytes);
      copy[Math.floor(rng() * copy.length)] = Math.floor(rng() * 256);
      return copy;
    }
    case 2: {
      const at = Math.floor(rng() * bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), bytes.subarray(at)]);
    }
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 4:
      return Buffer.from(`${"[".repeat(2000)}${"]".repeat(2000)}`);
    default:
      return Buffer.from(raw.replace(/"answer_id":"[^"]*"/, '"answer_id":"1","answer_id":"2"'));
  }
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "application/json;charset=",
  "text/plain",
  "application/x-www-form-urlencoded",
];

interface Door {
  url: string;
  body(rng: Rng, n: number): Record<string, unknown>;
}

const DOORS: readonly Door[] = [
  {
    url: "/webhooks/submission",
    body: (rng, n) => ({
      event_id: `sub-${n}`,
      answer_id: pick(rng, ["1001", "1002", `N${n}`]),
      attributes: { city: "Kazan", track: "A" },
    }),
  },
  {
    url: "/webhooks/moderation",
    body: (rng, n) => ({
      event_id: `mod-${n}`,
      answer_id: pick(rng, ["1001", "1002", `N${n}`]),
      decision: pick(rng, ["approved", "rejected"]),
      ticket_url: `https://tickets.example.org/t/${n}`,
    }),
  },
  {
    url: "/webhooks/registration-completed",
    body: (rng, n) => ({ event_id: `done-${n}`, answer_id: pick(rng, ["1001", "1002", `N${n}`]) }),
  },
  { url: "/links/deep-link", body: (rng, n) => ({ answer_id: pick(rng, ["1001", `N${n}`]) }) },
];

const CASES_PER_DOOR = 250;

async function seeded(): Promise<Harness> {
  const h = setup();
  for (const answerId of ["1001", "1002"]) {
    const response = await h.post("/webhooks/submission", {
      event_id: `seed-${answerId}`,
      answer_id: answerId,
    });
    expect(response.statusCode).toBe(201);
  }
  return h;
}

describe("fuzzing the signed webhook doors", () => {
  it.each(DOORS.map((door, index) => [door.url, door, index] as const))(
    "%s: no 5xx, and a refused request changes no row",
    async (_url, door, index) => {
      const h = await seeded();
      const rng = createRandom(0x5eed + index);
      const statuses = new Map<number, number>();
      for (let n = 0; n < CASES_PER_DOOR; n++) {
        const valid = door.body(rng, n);
        const shape = rng();
        const raw =
          shape < 0.55
            ? Buffer.from(serialise(mutateValue(rng, valid)))
            : shape < 0.85
              ? mutateBytes(rng, JSON.stringify(valid))
              : Buffer.from(JSON.stringify(valid));
        const contentType = shape >= 0.85 ? pick(rng, CONTENT_TYPES) : "application/json";
        const before = h.snapshot();
        const response = await h.post(door.url, undefined, { rawBody: raw, contentType });
        const what = `case ${n}: ${contentType} ${raw.toString("utf8").slice(0, 200)}`;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode, what).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(response.json(), what).toMatchObject({
            error: expect.any(String),
            message: expect.any(String),
          });
          // A 409 is an answer the sender gets again on a retry: remembered, as designed.
          if (response.statusCode !== 409) expect(h.snapshot(), what).toEqual(before);
        }
      }
      // The fuzzer reaches both sides: some requests are taken, most are refused (400, 415 and more).
      const refused = [...statuses].filter(([status]) => status >= 400);
      expect(refused.length, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(2);
      expect(h.logs.text()).not.toContain("request failed");
    },
  );
});
