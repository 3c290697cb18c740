import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { SENT_TICKETS, sentTicketsOf, ticketJobKey } from "../../src/outbox/tickets.js";
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

describe("sent tickets", () => {
  it("are the ticket jobs Telegram accepted, of every version, and of one answer only when asked", () => {
    add(ticketJobKey("A1", 1), 1, "sent");
    add(ticketJobKey("A1", 2), 1, "pending");
    add(ticketJobKey("A10", 1), 2, "sent");
    add(ticketJobKey("A2", 1), 3, "failed");
    add("rejection:A3", 4, "sent");
    add("scenario:finish_registration:1:1", 5, "sent");
    const all = database.sqlite.prepare(
      `SELECT telegram_id FROM deliveries WHERE ${SENT_TICKETS} ORDER BY 1`,
    );
    expect(all.all()).toEqual([{ telegram_id: 1 }, { telegram_id: 2 }]);
    const one = database.sqlite.prepare(
      `SELECT count(*) AS n FROM deliveries WHERE ${sentTicketsOf("@answer")}`,
    );
    expect(one.get({ answer: "A1" })).toEqual({ n: 1 });
    expect(one.get({ answer: "A10" })).toEqual({ n: 1 });
    expect(one.get({ answer: "A2" })).toEqual({ n: 0 });
    expect(ticketJobKey("A1", 3)).toBe("ticket:A1:v3");
  });
});
