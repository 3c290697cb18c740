import type { Clock } from "../clock.js";
import type { BroadcastRuns } from "./broadcasts.js";
import type { DeliveryStore, ResultCounts } from "./delivery-store.js";
import { type EngineState, isExpiring, type Result, type Row } from "./engine-state.js";
import { paidCostTenths } from "./stars.js";

interface Counts extends ResultCounts {
  ambiguous: number;
  expired: number;
}

/**
 * Writes the results gathered since the last flush in one transaction (every ~100 ms, and before
 * anything that reads the figures), with each broadcast's counters, then brings the engine's copies
 * of those broadcasts up to date.
 */
export function createResultRecorder(deps: {
  store: DeliveryStore;
  runs: BroadcastRuns;
  state: EngineState;
  clock: Clock;
  /**
   * Tells the organisers of a ticket or a decision that failed for good or that the attendee blocked
   * (decision-failures.ts), in the same transaction.
   */
  decisionFailures?: { failed(row: Row, reason: string, now: number, blocked?: boolean): boolean };
}) {
  const { store, runs, state } = deps;

  /** Records one result; returns the broadcast's share of it in `countFor`. */
  function record(result: Result, now: number, countFor: (id: number) => Counts) {
    const { row } = result;
    switch (result.kind) {
      case "sent":
        store.markSent(row.id, result.at, result.messageId);
        if (row.broadcast_id !== null) {
          const c = countFor(row.broadcast_id);
          c.sent++;
          if (result.paid) {
            c.paid++;
            const entry = state.active.get(row.broadcast_id);
            c.stars += entry ? paidCostTenths(entry.paid, result.at) : 0;
          }
        }
        break;
      case "blocked":
        store.markFinal(row.id, "blocked", result.error);
        if (row.telegram_id > 0) store.blockSubscriber(row.telegram_id, now);
        if (row.broadcast_id !== null) countFor(row.broadcast_id).blocked++;
        // The attendee will not get their ticket through Telegram: the organisers hear of it, once.
        else deps.decisionFailures?.failed(row, result.error, now, true);
        break;
      case "failed":
        store.markFinal(row.id, "failed", result.error);
        if (row.broadcast_id !== null) countFor(row.broadcast_id).failed++;
        else deps.decisionFailures?.failed(row, result.error, now);
        break;
      case "retry":
        if (isExpiring(state, row)) {
          if (store.markExpired(row.id)) {
            const c = countFor(row.broadcast_id as number);
            c.expired++;
            // It may have arrived all the same.
            if (result.ambiguous && !row.ambiguous) c.ambiguous++;
          }
          break;
        }
        store.markRetry(row.id, result.error, result.notBefore, result.ambiguous);
        if (result.ambiguous && !row.ambiguous && row.broadcast_id !== null) {
          countFor(row.broadcast_id).ambiguous++;
        }
        break;
      case "unclaim":
        if (isExpiring(state, row)) {
          if (store.markExpired(row.id)) countFor(row.broadcast_id as number).expired++;
          break;
        }
        store.unclaim(row.id);
        break;
    }
  }

  function flush(): void {
    if (state.results.length === 0) return;
    const batch = state.results.splice(0, state.results.length);
    const now = deps.clock.now();
    const counts = new Map<number, Counts>();
    const countFor = (id: number) => {
      let c = counts.get(id);
      if (!c) {
        c = { sent: 0, failed: 0, blocked: 0, paid: 0, stars: 0, ambiguous: 0, expired: 0 };
        counts.set(id, c);
      }
      return c;
    };
    store.transaction(() => {
      for (const result of batch) record(result, now, countFor);
      for (const [id, c] of counts) {
        const { ambiguous, expired, ...figures } = c;
        store.countResults(id, figures);
        if (ambiguous > 0) store.addAmbiguous(id, ambiguous);
        if (expired > 0) runs.countExpired(id, expired);
      }
    });
    for (const [id, c] of counts) {
      const entry = state.active.get(id);
      if (!entry) continue;
      entry.row.sent += c.sent;
      entry.row.failed += c.failed;
      entry.row.blocked += c.blocked;
      entry.row.starsCost += c.stars;
      entry.row.ambiguous += c.ambiguous;
      entry.row.expired += c.expired;
    }
  }

  return { flush };
}
