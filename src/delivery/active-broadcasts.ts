import { inArray } from "drizzle-orm";
import type { QuietHours } from "../config.js";
import type { Db } from "../db/client.js";
import { broadcasts } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { Broadcast, BroadcastContent, BroadcastRuns } from "./broadcasts.js";
import type { DeliveryStore } from "./delivery-store.js";
import { type ActiveBroadcast, type EngineState, type Row, withdrawController } from "./engine-state.js";
import type { FloodGate } from "./flood-gate.js";
import { broadcastGate } from "./time-rules.js";

export interface ActiveBroadcastsDeps {
  db: Db;
  runs: BroadcastRuns;
  store: DeliveryStore;
  audience: { materialise(row: Broadcast, now: number): void };
  state: EngineState;
  gate: FloodGate;
  quietHours: QuietHours | null;
  timezone: string;
  logger: Logger;
  /** Writes the results gathered so far (before figures are read or a status changes). */
  flush(): void;
  /** Tells the organisers how a broadcast stands. */
  report(entry: ActiveBroadcast, now: number, status?: string): void;
}

/**
 * The broadcasts the engine sends (scheduled and running), as it holds them between ticks: started when
 * their time comes, their audience materialised, gated by their time rules, expired at their deadline,
 * done when nothing is left.
 */
export function createActiveBroadcasts(deps: ActiveBroadcastsDeps) {
  const { db, runs, state, logger } = deps;

  function entryFor(row: Broadcast): ActiveBroadcast {
    let entry = state.active.get(row.id);
    if (!entry) {
      entry = {
        row,
        content: JSON.parse(row.content) as BroadcastContent,
        gate: "send",
        failuresInARow: 0,
        transientInARow: 0,
        lastError: "",
        withdraw: withdrawController(),
        expiring: false,
        paid: { second: 0, count: 0 },
        history: [],
      };
      state.active.set(row.id, entry);
    }
    entry.row = row;
    return entry;
  }

  function refresh(now: number): void {
    runs.startDue(now);
    const rows = db
      .select()
      .from(broadcasts)
      .where(inArray(broadcasts.status, ["scheduled", "running"]))
      .all();
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.id);
      const entry = entryFor(row);
      const was = entry.gate;
      entry.gate =
        row.status === "running" ? broadcastGate(row, now, deps.quietHours, deps.timezone) : "not_yet";
      // Quiet hours began (or it was paused elsewhere): what waits in the gate must not go out later.
      if (was === "send" && entry.gate !== "send" && entry.gate !== "expired") dropQueued(row.id);
      if (row.status === "running" && !row.audienceComplete) deps.audience.materialise(row, now);
      if (entry.gate === "expired") expire(entry);
    }
    for (const id of state.active.keys()) {
      if (!seen.has(id)) {
        dropQueued(id);
        state.active.delete(id);
      }
    }
  }

  /** The rate bulk goes out at now: the paid one while a paid broadcast is sending. */
  function bulkRate(): number {
    const paidRunning = [...state.active.values()].some((b) => b.row.paid && b.gate === "send");
    return paidRunning ? deps.gate.configuredRate.paid : deps.gate.configuredRate.free;
  }

  /**
   * The deadline passed: what is still pending expires now; rows on the wire finish (sent, or expired
   * instead of retried) and the broadcast is done once none is left (checkCompletion).
   */
  function expire(entry: ActiveBroadcast): void {
    const row = entry.row;
    if (entry.expiring) return;
    entry.expiring = true;
    dropQueued(row.id);
    deps.flush();
    const expired = runs.expire(row.id);
    row.expired += expired;
    row.audienceComplete = true;
    logger.info({ broadcast: row.id, expired }, "broadcast deadline passed: the rest expired");
  }

  function checkCompletion(now: number): void {
    for (const entry of state.active.values()) {
      const row = entry.row;
      if (row.status !== "running" || !row.audienceComplete) continue;
      if (deps.store.unfinished(row.id) > 0) continue;
      // An organiser paused or cancelled it since the last look: the next one drops it.
      if (!runs.finish(row.id, now)) continue;
      state.active.delete(row.id);
      deps.report(entry, now, "done");
      logger.info({ broadcast: row.id }, "broadcast done");
    }
  }

  /**
   * Rows of a broadcast that stopped (paused, cancelled, expired) go back to the database unsent,
   * from the engine's queue and from the gate (calls already on the wire finish).
   */
  function dropQueued(broadcastId: number): void {
    const entry = state.active.get(broadcastId);
    if (entry) {
      entry.withdraw.abort();
      entry.withdraw = withdrawController();
    }
    const queue = state.bulkQueue;
    for (let i = queue.length - 1; i >= 0; i--) {
      const row = queue[i] as Row;
      if (row.broadcast_id === broadcastId) {
        queue.splice(i, 1);
        state.results.push({ row, kind: "unclaim" });
      }
    }
  }

  return { refresh, bulkRate, checkCompletion, dropQueued };
}
