import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRegistrations, type Registrations } from "../../src/audience/registrations.js";
import { collectStats } from "../../src/audience/stats.js";
import { recordStart } from "../../src/audience/subscribers.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { rejectionJobKey, ticketJobKey } from "../../src/outbox/tickets.js";
import { createFakeClock } from "../helpers/fake-clock.js";

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
      decisionsFailed: { count: 1, latest: [{ answerId: "A3", kind: "ticket", blocked: false, reason: "" }] },
    });
    close();
  });

  it("counts tickets and rejections Telegram refused for good or the attendee blocked, the latest first, and nothing else", () => {
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
    // A1, A2, A3 (blocked) and the seven B's.
    expect(decisionsFailed.count).toBe(10);
    expect(decisionsFailed.latest).toEqual(
      [13, 12, 11, 10, 9].map((i) => ({
        answerId: `B${i}`,
        kind: "ticket",
        blocked: false,
        reason: `Bad Request: reason ${i}`,
      })),
    );
    deliver.run("rejection:A20", 20, "transactional", "failed", "Bad Request: chat not found", null);
    expect(collectStats(sqlite).decisionsFailed.latest[0]).toEqual({
      answerId: "A20",
      kind: "rejection",
      blocked: false,
      reason: "Bad Request: chat not found",
    });
    const quoting =
      "Bad Request: inline keyboard button URL 'https://t.example.org/t/21?n=x' is invalid: Wrong HTTP URL";
    deliver.run(ticketJobKey("A21", 1), 21, "transactional", "failed", quoting, null);
    // The link Telegram quotes is left out: the answer number says which ticket it was.
    expect(collectStats(sqlite).decisionsFailed.latest[0]?.reason).toBe(
      "Bad Request: inline keyboard button URL '…' is invalid: Wrong HTTP URL",
    );
    deliver.run(
      ticketJobKey("A22", 1),
      22,
      "transactional",
      "blocked",
      "Forbidden: bot was blocked by the user",
      null,
    );
    const withBlocked = collectStats(sqlite).decisionsFailed;
    expect(withBlocked.count).toBe(13);
    expect(withBlocked.latest[0]).toEqual({
      answerId: "A22",
      kind: "ticket",
      blocked: true,
      reason: "Forbidden: bot was blocked by the user",
    });
    close();
  });
});

describe("collectStats: a failed decision made good", () => {
  const clock = createFakeClock();
  let database: HeraldDatabase;
  let registrations: Registrations;
  afterEach(() => database.close());

  /** An attendee bound to their answer, as the real registrations bind them. */
  function bound(answerId: string, telegramId: number) {
    recordStart(database.db, { telegramId, language: "ru", now: clock.now() });
    registrations.bind({ answerId, telegramId });
  }
  /** What the engine records for a delivery: sent, refused for good, or blocked. */
  function settle(jobKey: string, status: "sent" | "failed" | "blocked") {
    const error =
      status === "failed"
        ? "Bad Request: chat not found"
        : status === "blocked"
          ? "Forbidden: bot was blocked by the user"
          : null;
    const changed = database.sqlite
      .prepare(
        "UPDATE deliveries SET status = ?, error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END WHERE job_key = ?",
      )
      .run(status, error, status, clock.now(), jobKey).changes;
    expect(changed).toBe(1);
  }
  const approve = (answerId: string, n: number, replace = false) =>
    registrations.recordModeration({
      answerId,
      decision: "approved",
      ticketUrl: `https://tickets.example.org/t/${answerId}/${n}`,
      replace,
    });
  const failed = () => collectStats(database.sqlite).decisionsFailed;

  beforeEach(() => {
    database = openDatabase(":memory:");
    registrations = createRegistrations({ db: database.db, clock });
  });

  it("no longer counts a ticket whose replacement link was delivered", () => {
    bound("501", 1);
    approve("501", 1);
    settle(ticketJobKey("501", 1), "failed");
    expect(failed().count).toBe(1);
    approve("501", 2, true);
    // The new link is on its way: the old failure is no longer what the organisers act on.
    expect(failed()).toEqual({ count: 0, latest: [] });
    settle(ticketJobKey("501", 2), "sent");
    expect(failed()).toEqual({ count: 0, latest: [] });
  });

  it("counts the replacement itself when it fails too, once", () => {
    bound("502", 2);
    approve("502", 1);
    settle(ticketJobKey("502", 1), "blocked");
    approve("502", 2, true);
    settle(ticketJobKey("502", 2), "failed");
    expect(failed()).toEqual({
      count: 1,
      latest: [{ answerId: "502", kind: "ticket", blocked: false, reason: "Bad Request: chat not found" }],
    });
  });

  it("counts a replacement that failed after an older link went through: the attendee holds a dead link", () => {
    bound("503", 3);
    approve("503", 1);
    settle(ticketJobKey("503", 1), "sent");
    approve("503", 2, true);
    settle(ticketJobKey("503", 2), "failed");
    expect(failed().count).toBe(1);
  });

  it("drops a failure once the decision changed: a ticket after a rejection, a rejection after a ticket", () => {
    bound("504", 4);
    registrations.recordModeration({ answerId: "504", decision: "rejected" });
    settle(rejectionJobKey("504"), "failed");
    bound("505", 5);
    approve("505", 1);
    settle(ticketJobKey("505", 1), "failed");
    expect(failed().count).toBe(2);

    approve("504", 1);
    registrations.recordModeration({ answerId: "505", decision: "rejected" });
    settle(ticketJobKey("504", 1), "sent");
    settle(rejectionJobKey("505"), "sent");
    expect(failed()).toEqual({ count: 0, latest: [] });
  });
});
