import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { TICKET_SENT, ticketJobKey } from "../../src/outbox/tickets.js";
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

function add(jobKey: string, telegramId: number, status: string): void {
  database.sqlite
    .prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, status, not_before, created_at)
       VALUES (?, ?, 'transactional', ?, 1, 1)`,
    )
    .run(jobKey, telegramId, status);
}

function register(answerId: string, telegramId: number): void {
  database.sqlite
    .prepare("INSERT INTO registrations (answer_id, telegram_id, created_at, updated_at) VALUES (?, ?, 0, 0)")
    .run(answerId, telegramId);
}

describe("sent tickets", () => {
  it("are the ticket jobs Telegram accepted, of every version, and of one answer only when asked", () => {
    for (const [answer, id] of [
      ["A1", 1],
      ["A10", 2],
      ["A2", 3],
      ["A3", 4],
      ["A5", 5],
    ] as const)
      register(answer, id);
    add(ticketJobKey("A1", 1), 1, "sent");
    add(ticketJobKey("A1", 2), 1, "pending");
    add(ticketJobKey("A10", 1), 2, "sent");
    add(ticketJobKey("A2", 1), 3, "failed");
    add("rejection:A3", 4, "sent");
    add("scenario:finish_registration:1:1", 5, "sent");
    const all = database.sqlite.prepare(
      `SELECT telegram_id FROM registrations WHERE ${TICKET_SENT} ORDER BY 1`,
    );
    expect(all.all()).toEqual([{ telegram_id: 1 }, { telegram_id: 2 }]);
    const one = database.sqlite.prepare(
      `SELECT count(*) AS n FROM registrations WHERE answer_id = @answer AND ${TICKET_SENT}`,
    );
    expect(one.get({ answer: "A1" })).toEqual({ n: 1 });
    expect(one.get({ answer: "A10" })).toEqual({ n: 1 });
    expect(one.get({ answer: "A2" })).toEqual({ n: 0 });
    expect(ticketJobKey("A1", 3)).toBe("ticket:A1:v3");
  });

  it("keep the time Telegram first accepted one, whichever version and however the row became sent", () => {
    register("A1", 1);
    const sentAt = () =>
      database.sqlite.prepare("SELECT ticket_sent_at AS at FROM registrations WHERE answer_id = 'A1'").get();
    add(ticketJobKey("A1", 1), 1, "pending");
    expect(sentAt()).toEqual({ at: null });
    database.sqlite
      .prepare("UPDATE deliveries SET status = 'sent', sent_at = 500 WHERE job_key = ?")
      .run(ticketJobKey("A1", 1));
    expect(sentAt()).toEqual({ at: 500 });
    database.sqlite
      .prepare(
        `INSERT INTO deliveries (job_key, telegram_id, lane, status, not_before, created_at, sent_at)
         VALUES (?, 1, 'transactional', 'sent', 1, 600, 700)`,
      )
      .run(ticketJobKey("A1", 2));
    expect(sentAt()).toEqual({ at: 500 });
  });
});
