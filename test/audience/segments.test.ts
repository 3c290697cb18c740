import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseListFile } from "../../src/audience/list-file.js";
import {
  type AudienceRule,
  audienceFilter,
  createSegments,
  SegmentError,
  type Segments,
} from "../../src/audience/segments.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
let clock: FakeClock;
let segments: Segments;

beforeEach(() => {
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  clock = createFakeClock();
  segments = createSegments({ database, clock });
});

afterEach(() => {
  database.close();
  dir.cleanup();
});

type Status = "active" | "blocked" | "unsubscribed";

function addSubscriber(telegramId: number, options: { status?: Status; firstSeenAt?: number } = {}): void {
  const seen = options.firstSeenAt ?? 1;
  database.sqlite
    .prepare(
      `INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at)
       VALUES (?, 'ru', ?, ?, ?, ?)`,
    )
    .run(telegramId, options.status ?? "active", seen, seen, seen);
}

function addRegistration(
  answerId: string,
  telegramId: number | null,
  options: {
    moderation?: "pending" | "approved" | "rejected";
    completedAt?: number;
    attributes?: Record<string, string>;
    boundAt?: number;
  } = {},
): void {
  database.sqlite
    .prepare(
      `INSERT INTO registrations (answer_id, telegram_id, attributes, bound_at, moderation, completed_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 5, 5)`,
    )
    .run(
      answerId,
      telegramId,
      JSON.stringify(options.attributes ?? {}),
      telegramId === null ? null : (options.boundAt ?? 5),
      options.moderation ?? "pending",
      options.completedAt ?? null,
    );
}

function addDelivery(jobKey: string, telegramId: number, status: string): void {
  database.sqlite
    .prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, status, not_before, created_at)
       VALUES (?, ?, 'transactional', ?, 0, 0)`,
    )
    .run(jobKey, telegramId, status);
}

function bind(answerId: string, telegramId: number): void {
  database.sqlite
    .prepare("UPDATE registrations SET telegram_id = ?, bound_at = 9 WHERE answer_id = ?")
    .run(telegramId, answerId);
}

/** Who the rule selects, the way the delivery engine materialises an audience from the same filter. */
function members(rule: AudienceRule): number[] {
  const { where, params } = audienceFilter(rule);
  return (
    database.sqlite
      .prepare(`SELECT telegram_id FROM subscribers WHERE ${where} ORDER BY telegram_id`)
      .all(params) as Array<{ telegram_id: number }>
  ).map((row) => row.telegram_id);
}

function attributesOf(answerId: string): Record<string, string> {
  const row = database.sqlite
    .prepare("SELECT attributes FROM registrations WHERE answer_id = ?")
    .get(answerId) as { attributes: string } | undefined;
  if (!row) throw new Error(`no registration ${answerId}`);
  return JSON.parse(row.attributes) as Record<string, string>;
}

function segmentRows(): { segments: number; members: number } {
  const count = (table: string) =>
    (database.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { segments: count("segments"), members: count("segment_members") };
}

function importSegment(name: string | null, content: string) {
  const list = parseListFile(content);
  expect(list.errors).toEqual([]);
  return segments.importList({ name, list, by: 77 });
}

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("audienceFilter", () => {
  it("binds open ends of a subscription range to the widest bounds", () => {
    expect(audienceFilter({ kind: "subscribed" }).params).toEqual({
      subscribedFrom: 0,
      subscribedTo: Number.MAX_SAFE_INTEGER,
    });
    expect(audienceFilter({ kind: "subscribed", from: 10, to: 20 }).params).toEqual({
      subscribedFrom: 10,
      subscribedTo: 20,
    });
    expect(audienceFilter({ kind: "segment", segmentId: 4 }).params).toEqual({ segmentId: 4 });
    expect(audienceFilter({ kind: "all_active" }).params).toEqual({});
  });
});

describe("audiences over active subscribers", () => {
  it("all_active leaves out blocked and unsubscribed people", () => {
    addSubscriber(1);
    addSubscriber(2, { status: "blocked" });
    addSubscriber(3, { status: "unsubscribed" });
    addSubscriber(4);

    expect(segments.count({ kind: "all_active" })).toBe(2);
    expect(members({ kind: "all_active" })).toEqual([1, 4]);
  });

  it("stage bound: active subscribers with a bound registration, each once however many answers", () => {
    addSubscriber(1);
    addSubscriber(2);
    addSubscriber(3, { status: "blocked" });
    addSubscriber(4);
    addRegistration("A1", 1);
    addRegistration("A2", 1);
    addRegistration("A3", 3);
    addRegistration("A4", null);

    expect(segments.count({ kind: "stage", stage: "bound" })).toBe(1);
    expect(members({ kind: "stage", stage: "bound" })).toEqual([1]);
  });

  it("stage approved and completed follow moderation and completion", () => {
    for (const id of [1, 2, 3, 4]) addSubscriber(id);
    addRegistration("A1", 1, { moderation: "approved" });
    addRegistration("A2", 2, { moderation: "pending", completedAt: 100 });
    addRegistration("A3", 3, { moderation: "rejected" });
    addRegistration("A4", 4, { moderation: "approved", completedAt: 200 });
    addRegistration("A5", null, { moderation: "approved", completedAt: 300 });

    expect(members({ kind: "stage", stage: "approved" })).toEqual([1, 4]);
    expect(segments.count({ kind: "stage", stage: "approved" })).toBe(2);
    expect(members({ kind: "stage", stage: "completed" })).toEqual([2, 4]);
    expect(segments.count({ kind: "stage", stage: "completed" })).toBe(2);
  });

  it("stage ticket_sent counts a ticket Telegram accepted, not a pending or failed one or other jobs", () => {
    for (const id of [1, 2, 3, 4, 5, 6]) addSubscriber(id);
    addSubscriber(7, { status: "blocked" });
    for (const id of [1, 2, 3, 4, 5, 6, 7]) addRegistration(`A${id}`, id);
    addDelivery("ticket:A1:v1", 1, "sent");
    addDelivery("ticket:A2:v1", 2, "pending");
    addDelivery("ticket:A3:v1", 3, "failed");
    addDelivery("reminder:A4", 4, "sent");
    addDelivery("broadcast:1", 5, "sent");
    addDelivery("ticket:A6:v1", 6, "sent");
    addDelivery("ticket:A6:v2", 6, "sent");
    addDelivery("ticket:A7:v1", 7, "sent");

    expect(members({ kind: "stage", stage: "ticket_sent" })).toEqual([1, 6]);
    expect(segments.count({ kind: "stage", stage: "ticket_sent" })).toBe(2);

    database.sqlite.prepare("UPDATE deliveries SET status = 'sent' WHERE job_key = 'ticket:A2:v1'").run();
    expect(members({ kind: "stage", stage: "ticket_sent" })).toEqual([1, 2, 6]);
  });

  it("subscribed selects first_seen_at in [from, to), either end open", () => {
    addSubscriber(1, { firstSeenAt: 1_000 });
    addSubscriber(2, { firstSeenAt: 2_000 });
    addSubscriber(3, { firstSeenAt: 2_999 });
    addSubscriber(4, { firstSeenAt: 3_000 });
    addSubscriber(5, { firstSeenAt: 2_500, status: "unsubscribed" });

    expect(members({ kind: "subscribed", from: 2_000, to: 3_000 })).toEqual([2, 3]);
    expect(segments.count({ kind: "subscribed", from: 2_000, to: 3_000 })).toBe(2);
    expect(members({ kind: "subscribed", from: 2_000 })).toEqual([2, 3, 4]);
    expect(members({ kind: "subscribed", to: 2_000 })).toEqual([1]);
    expect(members({ kind: "subscribed" })).toEqual([1, 2, 3, 4]);
    expect(segments.count({ kind: "subscribed", from: 3_001 })).toBe(0);
  });
});

describe("segment audiences", () => {
  it("by answer ids: only bound answers of active subscribers count, each person once", () => {
    for (const id of [1, 2, 3, 4]) addSubscriber(id);
    addSubscriber(5, { status: "blocked" });
    addRegistration("A1", 1);
    addRegistration("A1B", 1);
    addRegistration("A2", 2);
    addRegistration("A3", null);
    addRegistration("A5", 5);
    addRegistration("A4", 4); // not in the list

    const summary = importSegment("Hall A", "A1\nA1B\nA2\nA3\nA5\nZZZ9\n");
    const id = summary.segment?.id as number;
    const rule: AudienceRule = { kind: "segment", segmentId: id };

    expect(members(rule)).toEqual([1, 2]);
    expect(segments.count(rule)).toBe(2);
  });

  it("a member whose answer binds later (or arrives later) starts counting", () => {
    for (const id of [1, 2, 3]) addSubscriber(id);
    addRegistration("A1", 1);
    addRegistration("A2", null);

    const summary = importSegment("Late", "A1\nA2\nA3\n");
    const rule: AudienceRule = { kind: "segment", segmentId: summary.segment?.id as number };
    expect(members(rule)).toEqual([1]);

    bind("A2", 2);
    expect(members(rule)).toEqual([1, 2]);
    expect(segments.count(rule)).toBe(2);

    addRegistration("A3", 3);
    expect(segments.count(rule)).toBe(3);
  });

  it("by Telegram ids: listed active subscribers only", () => {
    addSubscriber(10);
    addSubscriber(20, { status: "unsubscribed" });
    addSubscriber(30);
    addSubscriber(40);

    const summary = importSegment("By id", "telegram_id\n10\n20\n30\n99\n");
    expect(summary.matched).toBe(3);
    expect(summary.unknown).toBe(1);
    const rule: AudienceRule = { kind: "segment", segmentId: summary.segment?.id as number };

    expect(members(rule)).toEqual([10, 30]);
    expect(segments.count(rule)).toBe(2);

    addSubscriber(99);
    expect(members(rule)).toEqual([10, 30, 99]);
  });

  it("does not mix two segments", () => {
    for (const id of [1, 2]) addSubscriber(id);
    addRegistration("A1", 1);
    addRegistration("A2", 2);
    const first = importSegment("First", "A1\n").segment?.id as number;
    const second = importSegment("Second", "telegram_id\n2\n").segment?.id as number;

    expect(members({ kind: "segment", segmentId: first })).toEqual([1]);
    expect(members({ kind: "segment", segmentId: second })).toEqual([2]);
    expect(segments.count({ kind: "segment", segmentId: 999 })).toBe(0);
  });
});

describe("sample", () => {
  it("prefers a recipient with a registration over a lower id without one", () => {
    addSubscriber(3);
    addSubscriber(5);
    addSubscriber(10);
    addSubscriber(12);
    addSubscriber(2, { status: "blocked" });
    addRegistration("A2", 2);
    addRegistration("A12", 12);
    addRegistration("A10", 10);

    expect(segments.sample({ kind: "all_active" })).toBe(10);
  });

  it("takes the lowest id when nobody has a registration, and stays inside the rule", () => {
    addSubscriber(7, { firstSeenAt: 100 });
    addSubscriber(4, { firstSeenAt: 100 });
    addSubscriber(1, { firstSeenAt: 5_000 });

    expect(segments.sample({ kind: "all_active" })).toBe(1);
    expect(segments.sample({ kind: "subscribed", to: 1_000 })).toBe(4);
  });

  it("is undefined for an empty audience", () => {
    expect(segments.sample({ kind: "all_active" })).toBeUndefined();
    addSubscriber(1, { status: "blocked" });
    addRegistration("A1", 1);
    expect(segments.sample({ kind: "all_active" })).toBeUndefined();
    expect(segments.sample({ kind: "stage", stage: "bound" })).toBeUndefined();
  });
});

describe("importList", () => {
  it("stores a named segment with every entry, matched or not, and sums the import up", () => {
    addRegistration("A1", 1);
    addRegistration("A2", null);
    clock.set(Date.UTC(2026, 10, 21, 12, 0));

    const summary = importSegment("VIP guests", "answer_id,hall\nA1,Red\nA2,Blue\nA1,Red\nX9,Green\n");

    expect(summary).toMatchObject({
      entries: 3,
      matched: 2,
      unknown: 1,
      duplicates: 1,
      attributesSet: 2,
      columns: ["hall"],
    });
    expect(summary.segment).toMatchObject({
      name: "VIP guests",
      key: "answer_id",
      size: 3,
      createdBy: 77,
      createdAt: Date.UTC(2026, 10, 21, 12, 0),
    });
    const stored = database.sqlite
      .prepare("SELECT answer_id, telegram_id FROM segment_members WHERE segment_id = ? ORDER BY answer_id")
      .all(summary.segment?.id);
    expect(stored).toEqual([
      { answer_id: "A1", telegram_id: null },
      { answer_id: "A2", telegram_id: null },
      { answer_id: "X9", telegram_id: null },
    ]);
  });

  it("stores Telegram ids of a telegram_id list as numbers", () => {
    const summary = importSegment("Ids", "tg_id\n123456789\n42\n");
    expect(summary.segment?.key).toBe("telegram_id");
    const stored = database.sqlite
      .prepare("SELECT answer_id, telegram_id FROM segment_members ORDER BY telegram_id")
      .all();
    expect(stored).toEqual([
      { answer_id: null, telegram_id: 42 },
      { answer_id: null, telegram_id: 123456789 },
    ]);
    expect(summary).toMatchObject({ entries: 2, matched: 0, unknown: 2, attributesSet: 0 });
  });

  it("merges attributes into known registrations, keeping others and skipping empty values", () => {
    addRegistration("A1", 1, { attributes: { hall: "Red", seat: "5" } });
    addRegistration("A2", null, { attributes: { track: "online" } });
    addRegistration("A3", 3, { attributes: { hall: "Old" } });
    clock.set(Date.UTC(2026, 10, 22, 8, 0));

    const summary = importSegment(null, "answer_id,hall,seat\nA1,Blue,\nA2,,7\nA3,,\nA9,Green,1\n");

    expect(summary.segment).toBeNull();
    expect(summary).toMatchObject({ entries: 4, matched: 3, unknown: 1, attributesSet: 2 });
    expect(attributesOf("A1")).toEqual({ hall: "Blue", seat: "5" });
    expect(attributesOf("A2")).toEqual({ track: "online", seat: "7" });
    expect(attributesOf("A3")).toEqual({ hall: "Old" });
    const updated = database.sqlite
      .prepare("SELECT answer_id, updated_at FROM registrations ORDER BY answer_id")
      .all();
    expect(updated).toEqual([
      { answer_id: "A1", updated_at: Date.UTC(2026, 10, 22, 8, 0) },
      { answer_id: "A2", updated_at: Date.UTC(2026, 10, 22, 8, 0) },
      { answer_id: "A3", updated_at: 5 },
    ]);
    expect(segmentRows()).toEqual({ segments: 0, members: 0 });
    // Unknown answers are not created by an import.
    expect(database.sqlite.prepare("SELECT count(*) AS n FROM registrations").get()).toEqual({ n: 3 });
  });

  it("refuses a taken name and writes nothing at all, attributes included", () => {
    addRegistration("A1", 1, { attributes: { hall: "Red" } });
    addRegistration("A2", 2, { attributes: {} });
    importSegment("Hall", "A1\nA2\n");
    const before = database.sqlite.prepare("SELECT * FROM registrations ORDER BY answer_id").all();

    const error = errorOf(() =>
      segments.importList({
        name: "Hall",
        list: parseListFile("answer_id,hall\nA1,Blue\nA2,Green\nA3,Pink\n"),
        by: 78,
      }),
    );

    expect(error).toBeInstanceOf(SegmentError);
    expect((error as SegmentError).code).toBe("segment_name_taken");
    expect(attributesOf("A1")).toEqual({ hall: "Red" });
    expect(attributesOf("A2")).toEqual({});
    expect(database.sqlite.prepare("SELECT * FROM registrations ORDER BY answer_id").all()).toEqual(before);
    expect(segmentRows()).toEqual({ segments: 1, members: 2 });
  });

  it("refuses a list with errors and a name that cannot name a segment, writing nothing", () => {
    addRegistration("A1", 1, { attributes: { hall: "Red" } });
    const broken = parseListFile("answer_id,hall\nA1,Blue\nA2,Green,extra\n");
    expect(broken.errors.length).toBeGreaterThan(0);

    const listError = errorOf(() => segments.importList({ name: "Broken", list: broken, by: 1 }));
    expect(listError).toBeInstanceOf(SegmentError);
    expect((listError as SegmentError).code).toBe("segment_invalid");

    // Even a hand-made list that still carries entries next to its errors is refused as a whole.
    const mixed = { ...parseListFile("answer_id,hall\nA1,Blue\n"), errors: [{ line: 3, reason: "bad" }] };
    expect(
      (errorOf(() => segments.importList({ name: "Mixed", list: mixed, by: 1 })) as SegmentError).code,
    ).toBe("segment_invalid");

    const good = parseListFile("answer_id,hall\nA1,Blue\n");
    for (const name of ["", " leading space", "bad/slash", "x".repeat(49)]) {
      const nameError = errorOf(() => segments.importList({ name, list: good, by: 1 }));
      expect((nameError as SegmentError).code).toBe("segment_invalid");
    }

    expect(attributesOf("A1")).toEqual({ hall: "Red" });
    expect(segmentRows()).toEqual({ segments: 0, members: 0 });
  });

  it("stores a list larger than one insert chunk", () => {
    const values = Array.from({ length: 1_234 }, (_, i) => `B${i}`);
    const summary = importSegment("Big", `${values.join("\n")}\n`);
    expect(summary.segment?.size).toBe(1_234);
    expect(segmentRows()).toEqual({ segments: 1, members: 1_234 });
  });
});

describe("list, get and remove", () => {
  it("lists the newest first and gets one by id", () => {
    const first = importSegment("One", "A1\n").segment;
    const second = importSegment("Two", "A2\nA3\n").segment;

    expect(segments.list().map((segment) => segment.name)).toEqual(["Two", "One"]);
    expect(segments.get(first?.id as number)).toEqual(first);
    expect(segments.get(second?.id as number).size).toBe(2);

    const missing = errorOf(() => segments.get(12345));
    expect(missing).toBeInstanceOf(SegmentError);
    expect((missing as SegmentError).code).toBe("segment_not_found");
  });

  it("removes a segment with its members (foreign keys are on) and leaves the others", () => {
    expect(database.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    const gone = importSegment("Gone", "A1\nA2\nA3\n").segment?.id as number;
    const kept = importSegment("Kept", "A1\nA4\n").segment?.id as number;

    segments.remove(gone);

    const memberCount = (id: number) =>
      (
        database.sqlite.prepare("SELECT count(*) AS n FROM segment_members WHERE segment_id = ?").get(id) as {
          n: number;
        }
      ).n;
    expect(memberCount(gone)).toBe(0);
    expect(memberCount(kept)).toBe(2);
    expect(segments.list().map((segment) => segment.id)).toEqual([kept]);
    expect((errorOf(() => segments.get(gone)) as SegmentError).code).toBe("segment_not_found");
    expect((errorOf(() => segments.remove(gone)) as SegmentError).code).toBe("segment_not_found");
  });

  it("frees the name of a removed segment", () => {
    const id = importSegment("Again", "A1\n").segment?.id as number;
    segments.remove(id);
    expect(importSegment("Again", "A2\n").segment?.name).toBe("Again");
  });
});

describe("removing a segment", () => {
  it("is refused while a broadcast that is not finished sends to it, and allowed once it is", () => {
    const { segment } = importSegment("VIP", "5000\n5001\n");
    const id = segment?.id as number;
    const insert = database.sqlite.prepare(
      "INSERT INTO broadcasts (title, status, content, audience, created_at) VALUES ('b', ?, '{}', ?, 0)",
    );
    insert.run("running", JSON.stringify({ kind: "segment", segmentId: id }));
    insert.run("running", JSON.stringify({ kind: "segment", segmentId: id + 1 }));
    expect(errorOf(() => segments.remove(id))).toMatchObject({ code: "segment_in_use" });
    expect(segmentRows()).toEqual({ segments: 1, members: 2 });

    database.sqlite.prepare("UPDATE broadcasts SET status = 'done'").run();
    segments.remove(id);
    expect(segmentRows()).toEqual({ segments: 0, members: 0 });
    expect(errorOf(() => segments.remove(id))).toBeInstanceOf(SegmentError);
  });
});
