import { describe, expect, it } from "vitest";
import { collectStats } from "../../src/audience/stats.js";
import { openDatabase } from "../../src/db/client.js";
import { ticketJobKey } from "../../src/outbox/tickets.js";

describe("collectStats", () => {
  it("counts registrations whose ticket went out, once however many link versions were sent", () => {
    const { sqlite, close } = openDatabase(":memory:");
    const register = sqlite.prepare(
      "INSERT INTO registrations (answer_id, telegram_id, moderation, created_at, updated_at) VALUES (?, ?, 'approved', 1, 1)",
    );
    const deliver = sqlite.prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, status, not_before, created_at, sent_at)
       VALUES (?, ?, 'transactional', ?, 1, 1, 2)`,
    );
    register.run("A1", 1);
    register.run("A2", 2);
    register.run("A3", 3);
    deliver.run(ticketJobKey("A1", 1), 1, "sent");
    deliver.run(ticketJobKey("A1", 2), 1, "sent");
    deliver.run(ticketJobKey("A2", 1), 2, "sent");
    deliver.run(ticketJobKey("A3", 1), 3, "failed");

    expect(collectStats(sqlite)).toEqual({
      subscribers: { active: 0, blocked: 0, unsubscribed: 0 },
      registrations: { total: 3, bound: 3, pending: 0, approved: 3, rejected: 0, completed: 0 },
      ticketsSent: 2,
    });
    close();
  });
});
