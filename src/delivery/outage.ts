import type { EventEmitter } from "node:events";
import type { Api } from "grammy";
import type { PausedBy } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { BroadcastRuns } from "./broadcasts.js";
import type { EngineEvents } from "./engine-events.js";
import type { ActiveBroadcast, EngineState } from "./engine-state.js";
import { apiSignal } from "./gated-api.js";

/** A broadcast pauses itself after this many failed sends in a row. */
export const FAILURE_RUN = 25;
/** While broadcasts are paused for an outage, Telegram is asked (getMe) this often whether it is back. */
export const OUTAGE_PROBE_MS = 5000;

export interface OutageDeps {
  runs: BroadcastRuns;
  state: EngineState;
  api: Api;
  events: EventEmitter<EngineEvents>;
  logger: Logger;
  now(): number;
  flush(): void;
  dropQueued(broadcastId: number): void;
  /** Reads the broadcasts again (after some resumed). */
  refresh(now: number): void;
  report(entry: ActiveBroadcast, now: number, status?: string): void;
}

/**
 * A run of failed sends pauses a broadcast: a run of 5xx/timeouts is Telegram's outage, paused until
 * Telegram answers again and then resumed here; a run of refusals needs an organiser.
 */
export function createOutageGuard(deps: OutageDeps) {
  const { state, logger } = deps;
  let lastProbe = 0;
  let probing = false;

  function succeeded(broadcast: ActiveBroadcast): void {
    broadcast.failuresInARow = 0;
    broadcast.transientInARow = 0;
  }

  function failed(
    broadcast: ActiveBroadcast,
    failure: { transient: boolean; description: string },
    now: number,
  ) {
    broadcast.failuresInARow++;
    if (failure.transient) broadcast.transientInARow++;
    broadcast.lastError = failure.description;
    if (broadcast.failuresInARow === FAILURE_RUN) {
      const outage = broadcast.transientInARow === broadcast.failuresInARow;
      pauseItself(broadcast, outage ? "outage" : "failures", failure.description, now);
    }
  }

  function pauseItself(
    broadcast: ActiveBroadcast,
    by: Exclude<PausedBy, "organiser">,
    lastError: string,
    now: number,
  ) {
    const reason =
      by === "outage"
        ? `paused after ${FAILURE_RUN} failed sends in a row; the last: ${lastError}. Telegram is not answering: Herald resumes it when it does`
        : `paused after ${FAILURE_RUN} failed sends in a row; the last: ${lastError}`;
    deps.flush();
    // An organiser may have paused or cancelled it a moment ago: then there is nothing to announce.
    if (!deps.runs.pauseItself(broadcast.row.id, by, reason)) return;
    broadcast.row.status = "paused";
    broadcast.row.pausedBy = by;
    broadcast.row.pauseReason = reason;
    broadcast.gate = "not_yet";
    deps.dropQueued(broadcast.row.id);
    logger.error({ broadcast: broadcast.row.id, reason }, "broadcast paused itself");
    // The organisers' progress message shows the pause and its reason at once.
    deps.report(broadcast, now, "paused");
    if (by === "outage") deps.events.emit("outage", { broadcastId: broadcast.row.id, reason: lastError });
  }

  /** While broadcasts wait for Telegram to come back, ask it now and then; resume them when it answers. */
  function probe(now: number): void {
    if (probing || now - lastProbe < OUTAGE_PROBE_MS) return;
    lastProbe = now;
    if (!deps.runs.anyPausedForOutage()) return;
    probing = true;
    deps.api
      .getMe(apiSignal(state.stopping.signal))
      .then(
        () => {
          if (!state.running) return;
          const resumed = deps.runs.resumeAfterOutage();
          if (resumed.length === 0) return;
          logger.info({ broadcasts: resumed }, "Telegram answers again: broadcasts resumed");
          for (const broadcastId of resumed) deps.events.emit("recovered", { broadcastId });
          deps.refresh(deps.now());
          state.notify();
        },
        (error: unknown) => logger.info({ err: String(error) }, "Telegram still not answering"),
      )
      .finally(() => {
        probing = false;
      });
  }

  return { succeeded, failed, probe };
}
