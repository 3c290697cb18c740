import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import {
  countDeliveries,
  createOutboxWriter,
  enqueueDelivery,
  prepareBroadcastAudienceInsert,
  prepareSentDeliveryRecord,
} from "../../src/outbox/outbox.js";
import { makeTempDir } from "../helpers/temp-dir.js";

let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;

beforeEach(() => {
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
});

afterEach(() => {
  database.close();
  dir.cleanup();
});

function rows() {
  return database.sqlite
    .prepare(
      `SELECT job_key, telegram_id, lane, payload, broadcast_id, status, attempts, not_before, created_at, sent_at, message_id
       FROM deliveries ORDER BY id`,
    )
    .all();
}

function addSubscriber(telegramId: number, status = "active"): void {
  database.sqlite
    .prepare(
      `INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at)
       VALUES (?, 'ru', ?, 1, 1, 1)`,
    )
    .run(telegramId, status);
}

const request = {
  jobKey: "ticket:A1:v1",
  telegramId: 42,
  lane: "transactional" as const,
  message: { html: "Ваш билет", buttons: [[{ text: "Билет", url: "https://t.example/1" }]] },
};

describe("the outbox", () => {
  it("queues a job for a person once, whichever form writes it", () => {
    expect(enqueueDelivery(database.db, request, 1000)).toBe(true);
    const writer = createOutboxWriter(database.sqlite);
    expect(writer.enqueue(request, 2000)).toBe(false);
    expect(writer.enqueue({ ...request, telegramId: 43 }, 2000)).toBe(true);
    expect(
      writer.enqueueAll([request, { ...request, telegramId: 44 }, { ...request, telegramId: 45 }], 3000),
    ).toBe(2);
    const written = rows() as Array<Record<string, unknown>>;
    expect(written).toHaveLength(4);
    // The prepared form writes the same row as the drizzle one.
    const {
      telegram_id: _a,
      not_before: _b,
      created_at: _c,
      ...first
    } = written[0] as Record<string, unknown>;
    const {
      telegram_id: _d,
      not_before: _e,
      created_at: _f,
      ...second
    } = written[1] as Record<string, unknown>;
    expect(second).toEqual(first);
    expect(first).toMatchObject({
      lane: "transactional",
      status: "pending",
      attempts: 0,
      broadcast_id: null,
    });
    expect(JSON.parse(first.payload as string)).toEqual(request.message);
    expect(countDeliveries(database.db, "ticket:").pending).toBe(4);
  });

  it("queues a broadcast's audience in batches after a cursor, each person once", () => {
    for (const id of [5, 1, 3, 2, 4]) addSubscriber(id);
    addSubscriber(6, "blocked");
    const insert = prepareBroadcastAudienceInsert(database.sqlite, "status = 'active'");
    expect(insert.run({ id: 7, now: 100, cursor: 0, limit: 3 }).changes).toBe(3);
    expect(insert.run({ id: 7, now: 200, cursor: 0, limit: 10 }).changes).toBe(2);
    const written = rows() as Array<Record<string, unknown>>;
    expect(written.map((r) => r.telegram_id)).toEqual([1, 2, 3, 4, 5]);
    // better-sqlite3 binds a JS number as REAL, so the key reads "broadcast:7.0"; nothing parses it.
    expect(written[0]?.job_key).toMatch(/^broadcast:7(\.0)?$/);
    expect(written[0]).toMatchObject({
      lane: "bulk",
      broadcast_id: 7,
      payload: null,
      status: "pending",
      not_before: 100,
      created_at: 100,
    });
  });

  it("records a message that already went out", () => {
    prepareSentDeliveryRecord(database.sqlite)({ ...request, createdAt: 10, sentAt: 20, messageId: 99 });
    expect(rows()).toEqual([
      expect.objectContaining({ status: "sent", attempts: 1, not_before: 10, sent_at: 20, message_id: 99 }),
    ]);
  });
});
