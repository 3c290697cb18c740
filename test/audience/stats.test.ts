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
      decisionsFailed: { count: 1, latest: [{ answerId: "A3", kind: "ticket", reason: "" }] },
    });
    close();
  });

  it("counts tickets and rejections Telegram refused for good, the latest first, and nothing else that failed", () => {
    const { sqlite, close } = openDatabase(":memory:");
    const deliver = sqlite.prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, status, error, broadcast_id, not_before, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, 1)`,
    );
    deliver.run(ticketJobKey("A1", 1), 1, "transactional", "failed", "Bad Request: chat not found", null);
    deliver.run("rejection:A2", 2, "transactional", "failed", "Bad Request: chat not found", null);
    deliver.run(ticketJobKey("A3", 1), 3, "transactional", "blocked", "Forbidden: bot was blocked", null);
    deliver.run(ticketJobKey("A4", 1), 4, "transactional", "pending", null, null);
    deliver.run("broadcast:1", 5, "bulk", "failed", "Bad Request: chat not found", 1);
    deliver.run("linked:A6", 6, "transactional", "failed", "Bad Request: chat not found", null);
    for (let i = 7; i < 14; i++) {
      deliver.run(ticketJobKey(`B${i}`, 2), i, "transactional", "failed", `Bad Request: reason ${i}`, null);
    }

    const { decisionsFailed } = collectStats(sqlite);
    expect(decisionsFailed.count).toBe(9);
    expect(decisionsFailed.latest).toEqual(
      [13, 12, 11, 10, 9].map((i) => ({
        answerId: `B${i}`,
        kind: "ticket",
        reason: `Bad Request: reason ${i}`,
      })),
    );
    deliver.run("rejection:A20", 20, "transactional", "failed", "Bad Request: chat not found", null);
    expect(collectStats(sqlite).decisionsFailed.latest[0]).toEqual({
      answerId: "A20",
      kind: "rejection",
      reason: "Bad Request: chat not found",
    });
    const quoting =
      "Bad Request: inline keyboard button URL 'https://t.example.org/t/21?n=x' is invalid: Wrong HTTP URL";
    deliver.run(ticketJobKey("A21", 1), 21, "transactional", "failed", quoting, null);
    // The link Telegram quotes is left out: the answer number says which ticket it was.
    expect(collectStats(sqlite).decisionsFailed.latest[0]?.reason).toBe(
      "Bad Request: inline keyboard button URL '…' is invalid: Wrong HTTP URL",
    );
    close();
  });
});
