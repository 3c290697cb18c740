import type { Sqlite } from "../db/client.js";
import type { Language } from "../db/schema.js";
import type { Row } from "./engine-state.js";

/** A broadcast's figures from one batch of results. */
export interface ResultCounts {
  sent: number;
  failed: number;
  blocked: number;
  paid: number;
  /** Tenths of a Star. */
  stars: number;
}

/**
 * The engine's store port: claiming outbox rows and writing what became of them, as prepared
 * statements (the hot path). Broadcasts' statuses are not written here (broadcasts.ts is their owner).
 */
export interface DeliveryStore {
  /** Rows left 'sending' by the last stop go back to pending, flagged ambiguous; returns how many. */
  requeueInterrupted(): number;
  claimTransactional(now: number, limit: number): Row[];
  claimBroadcast(broadcastId: number, now: number, limit: number): Row[];
  markSent(id: number, at: number, messageId: number): void;
  markFinal(id: number, status: "blocked" | "failed", error: string): void;
  /** Only a row still being sent: one cancelled or expired meanwhile stays so. */
  markRetry(id: number, error: string, notBefore: number, ambiguous: boolean): void;
  unclaim(id: number): void;
  /** A row still being sent expires (its broadcast's deadline passed); false if it is no longer 'sending'. */
  markExpired(id: number): boolean;
  blockSubscriber(telegramId: number, now: number): void;
  countResults(broadcastId: number, counts: ResultCounts): void;
  addAmbiguous(broadcastId: number, n: number): void;
  unfinished(broadcastId: number): number;
  languageOf(telegramId: number): Language | undefined;
  saveRate(broadcastId: number, rate: number): void;
  /** Runs `work` in one synchronous transaction. */
  transaction<T>(work: () => T): T;
}

const CLAIMED = "id, job_key, telegram_id, lane, payload, broadcast_id, attempts, ambiguous, created_at";

export function createDeliveryStore(sqlite: Sqlite): DeliveryStore {
  const sql = {
    countInterrupted: sqlite.prepare(
      `SELECT broadcast_id, count(*) AS n, sum(ambiguous = 0) AS fresh FROM deliveries
       WHERE status = 'sending' GROUP BY broadcast_id`,
    ),
    requeueInterrupted: sqlite.prepare(
      "UPDATE deliveries SET status = 'pending', ambiguous = 1 WHERE status = 'sending'",
    ),
    addAmbiguous: sqlite.prepare("UPDATE broadcasts SET ambiguous = ambiguous + ? WHERE id = ?"),
    claimTransactional: sqlite.prepare(
      `UPDATE deliveries SET status = 'sending' WHERE id IN (
         SELECT id FROM deliveries WHERE status = 'pending' AND lane = 'transactional' AND not_before <= ?
         ORDER BY id LIMIT ?)
       RETURNING ${CLAIMED}`,
    ),
    claimBroadcast: sqlite.prepare(
      `UPDATE deliveries SET status = 'sending' WHERE id IN (
         SELECT id FROM deliveries WHERE broadcast_id = ? AND status = 'pending' AND not_before <= ?
         ORDER BY id LIMIT ?)
       RETURNING ${CLAIMED}`,
    ),
    unfinished: sqlite.prepare(
      "SELECT count(*) AS n FROM deliveries WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
    ),
    markExpired: sqlite.prepare(
      "UPDATE deliveries SET status = 'expired' WHERE id = ? AND status = 'sending'",
    ),
    saveRate: sqlite.prepare("UPDATE broadcasts SET effective_rate = ? WHERE id = ?"),
    markSent: sqlite.prepare(
      "UPDATE deliveries SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1, error = NULL WHERE id = ?",
    ),
    markFinal: sqlite.prepare(
      "UPDATE deliveries SET status = ?, attempts = attempts + 1, error = ? WHERE id = ?",
    ),
    markRetry: sqlite.prepare(
      "UPDATE deliveries SET status = 'pending', attempts = attempts + 1, error = ?, not_before = ?, ambiguous = max(ambiguous, ?) WHERE id = ? AND status = 'sending'",
    ),
    unclaim: sqlite.prepare("UPDATE deliveries SET status = 'pending' WHERE id = ? AND status = 'sending'"),
    blockSubscriber: sqlite.prepare(
      "UPDATE subscribers SET status = 'blocked', status_changed_at = ? WHERE telegram_id = ? AND status != 'blocked'",
    ),
    countResults: sqlite.prepare(
      `UPDATE broadcasts SET sent = sent + @sent, failed = failed + @failed, blocked = blocked + @blocked,
         paid_messages = paid_messages + @paid, stars_cost_tenths = stars_cost_tenths + @stars WHERE id = @id`,
    ),
    languageOf: sqlite.prepare("SELECT language FROM subscribers WHERE telegram_id = ?"),
  };
  const requeueInterrupted = sqlite.transaction(() => {
    const groups = sql.countInterrupted.all() as Array<{
      broadcast_id: number | null;
      n: number;
      fresh: number;
    }>;
    sql.requeueInterrupted.run();
    // A row already flagged (it had gone unanswered before) is not counted twice.
    for (const g of groups) {
      if (g.broadcast_id !== null && g.fresh > 0) sql.addAmbiguous.run(g.fresh, g.broadcast_id);
    }
    return groups.reduce((sum, g) => sum + g.n, 0);
  });

  return {
    requeueInterrupted: () => requeueInterrupted(),
    claimTransactional: (now, limit) => sql.claimTransactional.all(now, limit) as Row[],
    claimBroadcast: (broadcastId, now, limit) => sql.claimBroadcast.all(broadcastId, now, limit) as Row[],
    markSent(id, at, messageId) {
      sql.markSent.run(at, messageId, id);
    },
    markFinal(id, status, error) {
      sql.markFinal.run(status, error, id);
    },
    markRetry(id, error, notBefore, ambiguous) {
      sql.markRetry.run(error, notBefore, ambiguous ? 1 : 0, id);
    },
    unclaim(id) {
      sql.unclaim.run(id);
    },
    markExpired: (id) => sql.markExpired.run(id).changes > 0,
    blockSubscriber(telegramId, now) {
      sql.blockSubscriber.run(now, telegramId);
    },
    countResults(broadcastId, counts) {
      sql.countResults.run({ id: broadcastId, ...counts });
    },
    addAmbiguous(broadcastId, n) {
      sql.addAmbiguous.run(n, broadcastId);
    },
    unfinished: (broadcastId) => (sql.unfinished.get(broadcastId) as { n: number }).n,
    languageOf: (telegramId) =>
      (sql.languageOf.get(telegramId) as { language: Language } | undefined)?.language,
    saveRate(broadcastId, rate) {
      sql.saveRate.run(rate, broadcastId);
    },
    transaction: (work) => sqlite.transaction(work)(),
  };
}
