import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { broadcastCsv, failureReasons } from "../../src/delivery/report.js";
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

function addBroadcast(title: string): number {
  const row = database.sqlite
    .prepare(
      `INSERT INTO broadcasts (title, content, audience, status, created_at)
       VALUES (?, '{"kind":"text","html":"x"}', '{"kind":"all_active"}', 'done', 0) RETURNING id`,
    )
    .get(title) as { id: number };
  return row.id;
}

function addDelivery(
  broadcastId: number | null,
  telegramId: number,
  status: string,
  options: { error?: string | null; sentAt?: number | null; jobKey?: string } = {},
): void {
  database.sqlite
    .prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, status, not_before, created_at, sent_at, error)
       VALUES (?, ?, 'bulk', ?, ?, 0, 0, ?, ?)`,
    )
    .run(
      options.jobKey ?? `broadcast:${broadcastId}`,
      telegramId,
      broadcastId,
      status,
      options.sentAt ?? null,
      options.error ?? null,
    );
}

function addRegistration(answerId: string, telegramId: number | null, boundAt: number | null): void {
  database.sqlite
    .prepare(
      "INSERT INTO registrations (answer_id, telegram_id, bound_at, created_at, updated_at) VALUES (?, ?, ?, 0, 0)",
    )
    .run(answerId, telegramId, boundAt);
}

describe("broadcastCsv", () => {
  it("writes one row per delivery of that broadcast only, in delivery order", () => {
    const id = addBroadcast("News");
    const other = addBroadcast("Other");
    addRegistration("A1", 101, 1_000);
    addRegistration("A1LATE", 101, 5_000);
    addRegistration("A0EARLY", 101, 500);
    addRegistration("B2", 102, 2_000);
    addRegistration("UNBOUND", null, null);

    addDelivery(id, 101, "sent", { sentAt: Date.UTC(2026, 10, 21, 9, 0, 1, 234) });
    addDelivery(other, 101, "sent", { sentAt: Date.UTC(2026, 10, 21, 10, 0) });
    addDelivery(id, 102, "failed", { error: 'Bad Request: chat "main", thread 7' });
    addDelivery(id, 103, "blocked", { error: "Forbidden: bot was blocked by the user" });
    addDelivery(id, 104, "expired");
    addDelivery(null, 105, "sent", { jobKey: "ticket:B2:v1", sentAt: 1 });

    expect(broadcastCsv(database.sqlite, id)).toBe(
      [
        "telegram_id,answer_id,status,error,sent_at",
        "101,A1LATE,sent,,2026-11-21T09:00:01.234Z",
        '102,B2,failed,"Bad Request: chat ""main"", thread 7",',
        "103,,blocked,Forbidden: bot was blocked by the user,",
        "104,,expired,,",
        "",
      ].join("\n"),
    );
    expect(broadcastCsv(database.sqlite, other)).toBe(
      "telegram_id,answer_id,status,error,sent_at\n101,A1LATE,sent,,2026-11-21T10:00:00.000Z\n",
    );
  });

  it("quotes an error with a line break and keeps a plain one as it is", () => {
    const id = addBroadcast("News");
    addDelivery(id, 1, "failed", { error: "first line\nsecond line" });
    addDelivery(id, 2, "failed", { error: "Too Many Requests: retry after 5" });

    const lines = broadcastCsv(database.sqlite, id).split("\n");
    expect(lines.slice(1, 4)).toEqual([
      '1,,failed,"first line',
      'second line",',
      "2,,failed,Too Many Requests: retry after 5,",
    ]);
  });

  it("has only the header for a broadcast without deliveries", () => {
    const id = addBroadcast("Empty");
    expect(broadcastCsv(database.sqlite, id)).toBe("telegram_id,answer_id,status,error,sent_at\n");
  });
});

describe("failureReasons", () => {
  it("groups failed deliveries of one broadcast by error, the most common first", () => {
    const id = addBroadcast("News");
    const other = addBroadcast("Other");
    let user = 1;
    const add = (broadcastId: number, status: string, error: string | null, times: number) => {
      for (let i = 0; i < times; i++) addDelivery(broadcastId, user++, status, { error });
    };
    add(id, "failed", "Bad Request: chat not found", 1);
    add(id, "failed", "Bad Request: message is too long", 4);
    add(id, "failed", null, 2);
    add(id, "failed", "Internal Server Error", 3);
    add(id, "blocked", "Forbidden: bot was blocked by the user", 9);
    add(id, "sent", null, 5);
    add(other, "failed", "Bad Request: chat not found", 7);

    expect(failureReasons(database.sqlite, id)).toEqual([
      { error: "Bad Request: message is too long", count: 4 },
      { error: "Internal Server Error", count: 3 },
      { error: "unknown", count: 2 },
      { error: "Bad Request: chat not found", count: 1 },
    ]);
    expect(failureReasons(database.sqlite, id, 2)).toEqual([
      { error: "Bad Request: message is too long", count: 4 },
      { error: "Internal Server Error", count: 3 },
    ]);
    expect(failureReasons(database.sqlite, other)).toEqual([
      { error: "Bad Request: chat not found", count: 7 },
    ]);
  });

  it("keeps the five most common reasons by default", () => {
    const id = addBroadcast("News");
    let user = 1;
    for (let reason = 1; reason <= 7; reason++) {
      for (let i = 0; i < reason; i++) addDelivery(id, user++, "failed", { error: `reason ${reason}` });
    }
    expect(failureReasons(database.sqlite, id).map((row) => row.error)).toEqual([
      "reason 7",
      "reason 6",
      "reason 5",
      "reason 4",
      "reason 3",
    ]);
  });

  it("is empty when nothing failed", () => {
    const id = addBroadcast("News");
    addDelivery(id, 1, "sent", { sentAt: 1 });
    expect(failureReasons(database.sqlite, id)).toEqual([]);
  });
});
