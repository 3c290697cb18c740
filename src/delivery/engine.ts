import { EventEmitter } from "node:events";
import type { Api } from "grammy";
import { createRecipientParams } from "../audience/recipient-params.js";
import type { Cancel, TimedClock } from "../clock.js";
import type { QuietHours } from "../config.js";
import type { HeraldDatabase } from "../db/client.js";
import type { Logger } from "../logger.js";
import { createActiveBroadcasts } from "./active-broadcasts.js";
import { createAudienceBatches } from "./audience-batches.js";
import { createBroadcastRuns } from "./broadcasts.js";
import { createDecisionFailureReports } from "./decision-failures.js";
import { createDeliveryStore } from "./delivery-store.js";
import type { EngineEvents } from "./engine-events.js";
import { createEngineLoop, TICK_MS } from "./engine-loop.js";
import { createEngineSender } from "./engine-send.js";
import { type ActiveBroadcast, createEngineState, withdrawController } from "./engine-state.js";
import type { FloodGate } from "./flood-gate.js";
import { createOutageGuard } from "./outage.js";
import { type BroadcastProgress, progressFigures, recordSent } from "./progress-figures.js";
import { createResultRecorder } from "./result-recorder.js";

export type { EngineEvents } from "./engine-events.js";
export { FAILURE_RUN, OUTAGE_PROBE_MS } from "./outage.js";
export type { BroadcastProgress } from "./progress-figures.js";
export { RETRY_HORIZON_MS } from "./retry-policy.js";

export interface EngineOptions {
  database: HeraldDatabase;
  /** The bot's one flood gate: its pacing, its 429 handling, its rates. */
  gate: FloodGate;
  /** One Api per lane, both behind the gate (createGatedApi). */
  apis: { transactional: Api; bulk: Api };
  /** Its time and its timers: the tick, the flush, the dispatcher's next look. */
  clock: TimedClock;
  logger: Logger;
  quietHours: QuietHours | null;
  timezone: string;
  /** The organisers' chat, told when a ticket or a decision fails for good; none, none told. */
  adminChatId?: number | null;
}

export interface DeliveryEngine {
  start(): void;
  /** Stops claiming, lets requests in flight finish, records every result, puts unsent rows back. */
  stop(): Promise<void>;
  /** Something was queued or changed: look now rather than at the next tick. */
  wake(): void;
  /** Called with each broadcast's progress (see EngineEvents.progress); returns the way to stop listening. */
  onProgress(listener: (progress: BroadcastProgress) => void): () => void;
  /** "progress", "outage" and "recovered", typed by EngineEvents. */
  readonly events: EventEmitter<EngineEvents>;
}

/** At stop, calls on the wire get this long to answer; then they are cut off (and counted ambiguous). */
const STOP_WAIT_MS = 2000;
const FLUSH_MS = 100;
const PROGRESS_MS = 1000;
const COMPLETION_MS = 500;

/** The engine's parts, wired to one another over one shared state. */
function wireParts(options: EngineOptions, events: EventEmitter<EngineEvents>, logger: Logger) {
  const { apis, clock, gate } = options;
  const { db, sqlite } = options.database;
  const state = createEngineState(clock);
  const store = createDeliveryStore(sqlite);
  const runs = createBroadcastRuns(sqlite);
  const decisionFailures = createDecisionFailureReports({
    sqlite,
    adminChatId: options.adminChatId ?? null,
    languageOf: store.languageOf,
  });
  const recorder = createResultRecorder({ store, runs, state, clock, decisionFailures });
  const flush = recorder.flush;

  function report(entry: ActiveBroadcast, now: number, status = entry.row.status): void {
    const b = entry.row;
    recordSent(entry.history, now, b.sent);
    const effectiveRate = gate.effectiveRate(b.paid);
    if (effectiveRate !== b.effectiveRate && status === "running") {
      store.saveRate(b.id, effectiveRate);
      b.effectiveRate = effectiveRate;
    }
    events.emit(
      "progress",
      progressFigures({ row: b, history: entry.history, now, status, gate: entry.gate, effectiveRate }),
    );
  }

  const broadcasts = createActiveBroadcasts({
    db,
    runs,
    store,
    audience: createAudienceBatches(sqlite),
    state,
    gate,
    quietHours: options.quietHours,
    timezone: options.timezone,
    logger,
    flush,
    report,
  });
  const outage = createOutageGuard({
    runs,
    state,
    api: apis.transactional,
    events,
    logger,
    now: () => clock.now(),
    flush,
    dropQueued: broadcasts.dropQueued,
    refresh: broadcasts.refresh,
    report,
  });
  const send = createEngineSender({
    state,
    store,
    apis,
    clock,
    logger,
    paramsOf: createRecipientParams(sqlite),
    outage,
  });
  const loop = createEngineLoop({ state, store, gate, clock, bulkRate: broadcasts.bulkRate, send });

  return { state, store, flush, report, broadcasts, outage, loop };
}

/**
 * The delivery engine: every outbox row goes out at Telegram's limit, transactional before bulk,
 * once, and never at night. State lives in SQLite: rows are claimed (status "sending") in small
 * batches just before they are sent and results are written every ~100 ms, so a crash leaves only
 * the in-flight window unknown; those rows are sent again at start and counted as ambiguous.
 */
export function createDeliveryEngine(options: EngineOptions): DeliveryEngine {
  const { clock, gate } = options;
  const logger = options.logger.child({ part: "delivery" });
  const events = new EventEmitter<EngineEvents>();
  const { state, store, flush, report, broadcasts, outage, loop } = wireParts(options, events, logger);
  let dispatcher: Promise<void> | undefined;
  let stopTicker: Cancel | undefined;
  let stopFlushing: Cancel | undefined;
  let lastProgress = 0;
  let lastCompletionCheck = 0;

  function tick() {
    if (!state.running) return;
    const now = clock.now();
    try {
      flush();
      broadcasts.refresh(now);
      loop.claim(now);
      if (now - lastCompletionCheck >= COMPLETION_MS) {
        lastCompletionCheck = now;
        flush();
        broadcasts.checkCompletion(now);
      }
      if (now - lastProgress >= PROGRESS_MS) {
        lastProgress = now;
        for (const entry of state.active.values()) report(entry, now);
      }
      outage.probe(now);
      if (state.transactionalQueue.length + state.bulkQueue.length > 0) state.notify();
    } catch (error) {
      logger.error({ err: error }, "delivery tick failed");
    }
  }

  /** Waits while calls are on the wire, at most `ms` of real time (a stop is bounded whatever the clock says). */
  async function whileInFlight(ms: number) {
    const until = Date.now() + ms;
    while (state.inFlight > 0 && Date.now() < until) await state.nextSignal(TICK_MS);
  }

  return {
    events,
    onProgress(listener) {
      events.on("progress", listener);
      return () => events.off("progress", listener);
    },
    start() {
      if (state.running) return;
      const interrupted = store.requeueInterrupted();
      if (interrupted > 0) {
        logger.warn({ rows: interrupted }, "sends in flight at the last stop are sent again (ambiguous)");
      }
      state.running = true;
      state.stopping = withdrawController();
      stopTicker = clock.every(TICK_MS, tick);
      stopFlushing = clock.every(FLUSH_MS, flush);
      tick();
      dispatcher = loop
        .dispatch()
        .catch((error: unknown) => logger.fatal({ err: error }, "delivery dispatcher stopped"));
    },
    wake() {
      if (!state.running) return;
      loop.claim(clock.now());
      state.notify();
    },
    async stop() {
      if (!state.running) return;
      state.running = false;
      stopTicker?.();
      state.notify();
      // Calls still waiting in the gate are withdrawn (their rows go back unsent); those on the wire
      // get a moment to answer, then are cut off and sent again at the next start (ambiguous).
      state.stopping.abort();
      for (const entry of state.active.values()) entry.withdraw.abort();
      await dispatcher;
      // Results keep being written meanwhile (flushTimer still runs): a forced exit loses none of them.
      await whileInFlight(STOP_WAIT_MS);
      if (state.inFlight > 0) gate.abortOnWire((request) => request.lane !== "reply");
      // Cut-off calls answer at once; anything still out stays 'sending' and is sent again at start.
      await whileInFlight(STOP_WAIT_MS);
      stopFlushing?.();
      for (const row of [...state.transactionalQueue.splice(0), ...state.bulkQueue.splice(0)]) {
        state.results.push({ row, kind: "unclaim" });
      }
      flush();
      // Their withdraw signals are spent: a start after this one begins with fresh entries.
      state.active.clear();
    },
  };
}
