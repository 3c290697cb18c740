import { EventEmitter, setMaxListeners } from "node:events";
import type Database from "better-sqlite3";
import { inArray } from "drizzle-orm";
import { type Api, GrammyError, HttpError } from "grammy";
import { createRecipientParams } from "../audience/recipient-params.js";
import { audienceFilter, parseAudienceRule } from "../audience/segments.js";
import type { Clock } from "../clock.js";
import type { QuietHours } from "../config.js";
import type { HeraldDatabase } from "../db/client.js";
import { broadcasts, type Language, type PausedBy } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import type { Broadcast, BroadcastContent } from "./broadcasts.js";
import { type FloodGate, GateClosedError, GateWithdrawnError } from "./flood-gate.js";
import { apiSignal } from "./gated-api.js";
import { sendContent } from "./send-content.js";
import { broadcastGate } from "./time-rules.js";

export interface EngineOptions {
  database: HeraldDatabase;
  /** The bot's one flood gate: its pacing, its 429 handling, its rates. */
  gate: FloodGate;
  /** One Api per lane, both behind the gate (createGatedApi). */
  apis: { transactional: Api; bulk: Api };
  clock: Clock;
  logger: Logger;
  quietHours: QuietHours | null;
  timezone: string;
}

export interface BroadcastProgress {
  broadcastId: number;
  title: string;
  status: string;
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  expired: number;
  ambiguous: number;
  remaining: number;
  /** Messages per second over the last few seconds. */
  rate: number;
  /** The rate the engine paces this broadcast's lane at now (lower than configured after a 429). */
  effectiveRate: number;
  etaSeconds: number | null;
  /** Why it is not sending right now, if it is not. */
  waiting: "quiet_hours" | "scheduled" | null;
  starsCost: number;
}

export interface DeliveryEngine {
  start(): void;
  /** Stops claiming, lets requests in flight finish, records every result, puts unsent rows back. */
  stop(): Promise<void>;
  /** Something was queued or changed: look now rather than at the next tick. */
  wake(): void;
  /**
   * "progress" (BroadcastProgress) about once a second per active broadcast; "outage" ({ broadcastId,
   * reason: the last error }) when Telegram stops answering, "recovered" ({ broadcastId }) when it answers again.
   */
  readonly events: EventEmitter;
}

interface Row {
  id: number;
  job_key: string;
  telegram_id: number;
  lane: "transactional" | "bulk";
  payload: string | null;
  broadcast_id: number | null;
  attempts: number;
  ambiguous: number;
  created_at: number;
}

type Result =
  | { row: Row; kind: "sent"; at: number; messageId: number; paid: boolean }
  | { row: Row; kind: "blocked" | "failed"; error: string }
  | { row: Row; kind: "retry"; error: string; notBefore: number; ambiguous: boolean }
  | { row: Row; kind: "unclaim" };

interface ActiveBroadcast {
  row: Broadcast;
  content: BroadcastContent;
  gate: ReturnType<typeof broadcastGate>;
  failuresInARow: number;
  /** Of those, failures Telegram may recover from (5xx, timeouts, lost answers). */
  transientInARow: number;
  lastError: string;
  /** Withdraws this broadcast's calls still waiting in the gate when it stops (pause, cancel, expiry). */
  withdraw: AbortController;
  /** Its deadline passed: rows coming back unsent expire instead of going back to pending. */
  expiring: boolean;
  /** Paid messages in the current wall-clock second, for the Stars cost above the free rate. */
  paidSecond: number;
  paidInSecond: number;
  history: Array<{ at: number; sent: number }>;
}

/** A broadcast pauses itself after this many failed sends in a row. */
export const FAILURE_RUN = 25;
/** Transient failures (5xx, timeouts, lost answers) are retried until the deadline, or this long. */
export const RETRY_HORIZON_MS = 24 * 60 * 60 * 1000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;
/** While broadcasts are paused for an outage, Telegram is asked (getMe) this often whether it is back. */
export const OUTAGE_PROBE_MS = 5000;
/** At stop, calls on the wire get this long to answer; then they are cut off (and counted ambiguous). */
const STOP_WAIT_MS = 2000;
/** Telegram's free bulk rate: paid messages above it cost 0.1 Star each. */
const FREE_RATE = 30;
const TICK_MS = 100;
const UNLIMITED_IN_FLIGHT = 64;
const MAX_IN_FLIGHT = 1024;
const FLUSH_MS = 100;
const MATERIALISE_BATCH = 2000;
const PROGRESS_MS = 1000;

/**
 * The delivery engine: every outbox row goes out at Telegram's limit, transactional before bulk,
 * once, and never at night. State lives in SQLite: rows are claimed (status "sending") in small
 * batches just before they are sent and results are written every ~100 ms, so a crash leaves only
 * the in-flight window unknown; those rows are sent again at start and counted as ambiguous.
 */
export function createDeliveryEngine(options: EngineOptions): DeliveryEngine {
  const { apis, clock, gate } = options;
  const { db, sqlite } = options.database;
  const logger = options.logger.child({ part: "delivery" });
  const events = new EventEmitter();
  /** Withdraws the engine's waiting calls at stop. */
  let stopping = new AbortController();
  setMaxListeners(0, stopping.signal);

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
       RETURNING id, job_key, telegram_id, lane, payload, broadcast_id, attempts, ambiguous, created_at`,
    ),
    claimBroadcast: sqlite.prepare(
      `UPDATE deliveries SET status = 'sending' WHERE id IN (
         SELECT id FROM deliveries WHERE broadcast_id = ? AND status = 'pending' AND not_before <= ?
         ORDER BY id LIMIT ?)
       RETURNING id, job_key, telegram_id, lane, payload, broadcast_id, attempts, ambiguous, created_at`,
    ),
    startScheduled: sqlite.prepare("UPDATE broadcasts SET status = 'running', started_at = ? WHERE id = ?"),
    advanceAudience: sqlite.prepare(
      "UPDATE broadcasts SET audience_cursor = ?, total = total + ?, audience_complete = ? WHERE id = ?",
    ),
    unfinished: sqlite.prepare(
      "SELECT count(*) AS n FROM deliveries WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
    ),
    expire: sqlite.prepare(
      "UPDATE deliveries SET status = 'expired' WHERE broadcast_id = ? AND status = 'pending'",
    ),
    finish: sqlite.prepare(
      "UPDATE broadcasts SET status = 'done', finished_at = ?, expired = expired + ? WHERE id = ?",
    ),
    expireRest: sqlite.prepare(
      "UPDATE broadcasts SET expired = expired + ?, audience_complete = 1 WHERE id = ?",
    ),
    markExpired: sqlite.prepare(
      "UPDATE deliveries SET status = 'expired' WHERE id = ? AND status = 'sending'",
    ),
    pause: sqlite.prepare(
      "UPDATE broadcasts SET status = 'paused', pause_reason = ?, paused_by = ? WHERE id = ? AND status = 'running'",
    ),
    pausedForOutage: sqlite.prepare(
      "SELECT id FROM broadcasts WHERE status = 'paused' AND paused_by = 'outage'",
    ),
    resumeAfterOutage: sqlite.prepare(
      "UPDATE broadcasts SET status = 'running', pause_reason = NULL, paused_by = NULL WHERE status = 'paused' AND paused_by = 'outage' RETURNING id",
    ),
    saveRate: sqlite.prepare("UPDATE broadcasts SET effective_rate = ? WHERE id = ?"),
    markSent: sqlite.prepare(
      "UPDATE deliveries SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1, error = NULL WHERE id = ?",
    ),
    markFinal: sqlite.prepare(
      "UPDATE deliveries SET status = ?, attempts = attempts + 1, error = ? WHERE id = ?",
    ),
    markRetry: sqlite.prepare(
      // Only a row still being sent: one cancelled or expired meanwhile stays so.
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
  const paramsOf = createRecipientParams(sqlite);

  const transactionalQueue: Row[] = [];
  const bulkQueue: Row[] = [];
  const results: Result[] = [];
  const active = new Map<number, ActiveBroadcast>();
  let running = false;
  let inFlight = 0;
  let dispatcher: Promise<void> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let lastProgress = 0;
  let lastCompletionCheck = 0;
  let signal: (() => void) | undefined;

  const notify = () => {
    const wake = signal;
    signal = undefined;
    wake?.();
  };
  const nextSignal = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      signal = done;
    });
  let lastOutageProbe = 0;
  let probing = false;

  const withdrawController = () => {
    const controller = new AbortController();
    // One listener per call waiting in the gate: many is expected, not a leak.
    setMaxListeners(0, controller.signal);
    return controller;
  };
  const expiring = (row: Row) => row.broadcast_id !== null && active.get(row.broadcast_id)?.expiring === true;

  // --- broadcasts: schedule, audience, gates, completion -------------------------------------
  function refreshBroadcasts(now: number) {
    const rows = db
      .select()
      .from(broadcasts)
      .where(inArray(broadcasts.status, ["scheduled", "running"]))
      .all();
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.id);
      if (row.status === "scheduled" && (row.scheduledAt === null || row.scheduledAt <= now)) {
        sql.startScheduled.run(now, row.id);
        row.status = "running";
        row.startedAt = now;
      }
      let entry = active.get(row.id);
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
          paidSecond: 0,
          paidInSecond: 0,
          history: [],
        };
        active.set(row.id, entry);
      }
      entry.row = row;
      const was = entry.gate;
      entry.gate =
        row.status === "running" ? broadcastGate(row, now, options.quietHours, options.timezone) : "not_yet";
      // Quiet hours began (or it was paused elsewhere): what waits in the gate must not go out later.
      if (was === "send" && entry.gate !== "send" && entry.gate !== "expired") dropQueued(row.id);
      if (row.status === "running" && !row.audienceComplete) materialise(row, now);
      if (entry.gate === "expired") expire(entry);
    }
    for (const id of active.keys()) {
      if (!seen.has(id)) {
        dropQueued(id);
        active.delete(id);
      }
    }
  }

  /** The rate bulk goes out at now: the paid one while a paid broadcast is sending. */
  function bulkRate(): number {
    const paidRunning = [...active.values()].some((b) => b.row.paid && b.gate === "send");
    return paidRunning ? gate.configuredRate.paid : gate.configuredRate.free;
  }

  /** Statements that add the next batch of a broadcast's audience, by its rule (prepared once each). */
  const audienceStatements = new Map<string, { batchEnd: Database.Statement; insert: Database.Statement }>();
  function audienceOf(row: Broadcast) {
    const rule = parseAudienceRule(row.audience);
    const { where, params } = audienceFilter(rule);
    let statements = audienceStatements.get(where);
    if (!statements) {
      statements = {
        batchEnd: sqlite.prepare(
          `SELECT max(telegram_id) AS last, count(*) AS n FROM (
             SELECT telegram_id FROM subscribers WHERE ${where} AND telegram_id > @cursor
             ORDER BY telegram_id LIMIT @limit)`,
        ),
        insert: sqlite.prepare(
          `INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, not_before, created_at)
           SELECT 'broadcast:' || @id, telegram_id, 'bulk', @id, @now, @now FROM subscribers
           WHERE ${where} AND telegram_id > @cursor ORDER BY telegram_id LIMIT @limit
           ON CONFLICT DO NOTHING`,
        ),
      };
      audienceStatements.set(where, statements);
    }
    return { ...statements, params };
  }

  function materialise(row: Broadcast, now: number) {
    const audience = audienceOf(row);
    sqlite.transaction(() => {
      const window = { ...audience.params, cursor: row.audienceCursor, limit: MATERIALISE_BATCH };
      const batch = audience.batchEnd.get(window) as { last: number | null; n: number };
      if (batch.n > 0) audience.insert.run({ ...window, id: row.id, now });
      const complete = batch.n < MATERIALISE_BATCH;
      sql.advanceAudience.run(batch.last ?? row.audienceCursor, batch.n, complete ? 1 : 0, row.id);
      row.audienceCursor = batch.last ?? row.audienceCursor;
      row.total += batch.n;
      row.audienceComplete = complete;
    })();
  }

  /**
   * The deadline passed: what is still pending expires now; rows on the wire finish (sent, or expired
   * instead of retried) and the broadcast is done once none is left (checkCompletion).
   */
  function expire(entry: ActiveBroadcast) {
    const row = entry.row;
    if (entry.expiring) return;
    entry.expiring = true;
    dropQueued(row.id);
    flushResults();
    // One transaction: a crash between marking rows expired and counting them would lose the count.
    const expired = sqlite.transaction(() => {
      const n = sql.expire.run(row.id).changes;
      sql.expireRest.run(n, row.id);
      return n;
    })();
    row.expired += expired;
    row.audienceComplete = true;
    logger.info({ broadcast: row.id, expired }, "broadcast deadline passed: the rest expired");
  }

  function checkCompletion(now: number) {
    for (const entry of active.values()) {
      const row = entry.row;
      if (row.status !== "running" || !row.audienceComplete) continue;
      const { n } = sql.unfinished.get(row.id) as { n: number };
      if (n > 0) continue;
      sql.finish.run(now, 0, row.id);
      active.delete(row.id);
      emitProgress(entry, now, "done");
      logger.info({ broadcast: row.id }, "broadcast done");
    }
  }

  /**
   * Rows of a broadcast that stopped (paused, cancelled, expired) go back to the database unsent,
   * from the engine's queue and from the gate (calls already on the wire finish).
   */
  function dropQueued(broadcastId: number) {
    const entry = active.get(broadcastId);
    if (entry) {
      entry.withdraw.abort();
      entry.withdraw = withdrawController();
    }
    for (let i = bulkQueue.length - 1; i >= 0; i--) {
      const row = bulkQueue[i] as Row;
      if (row.broadcast_id === broadcastId) {
        bulkQueue.splice(i, 1);
        results.push({ row, kind: "unclaim" });
      }
    }
  }

  // --- claiming --------------------------------------------------------------------------------
  function claim(now: number) {
    const window = claimWindow();
    if (transactionalQueue.length < window) {
      transactionalQueue.push(...(sql.claimTransactional.all(now, window) as Row[]));
    }
    if (bulkQueue.length >= window / 2) return;
    // Urgent broadcasts ("we are live") go before the others; otherwise the oldest first.
    const byUrgency = [...active.values()].sort((a, b) => Number(b.row.urgent) - Number(a.row.urgent));
    for (const entry of byUrgency) {
      if (entry.gate !== "send" || entry.row.status !== "running") continue;
      const wanted = window - bulkQueue.length;
      if (wanted <= 0) break;
      bulkQueue.push(...(sql.claimBroadcast.all(entry.row.id, now, wanted) as Row[]));
    }
  }

  /** About a quarter-second of sending: small enough that a crash leaves few rows ambiguous. */
  function claimWindow(): number {
    const rate = bulkRate();
    return rate > 0 ? Math.max(4, Math.ceil(rate / 4)) : 500;
  }

  // --- sending ---------------------------------------------------------------------------------
  async function dispatch() {
    while (running) {
      // Refill as soon as the queues run dry rather than at the next tick: at no rate limit the
      // tick would otherwise cap the engine at one claim window per tick.
      if (transactionalQueue.length === 0 && bulkQueue.length === 0) claim(clock.now());
      const row = transactionalQueue.shift() ?? bulkQueue.shift();
      if (!row) {
        await nextSignal(TICK_MS);
        continue;
      }
      if (row.broadcast_id !== null && active.get(row.broadcast_id)?.gate !== "send") {
        results.push({ row, kind: "unclaim" });
        continue;
      }
      // The gate paces; the engine keeps a few calls waiting in it, whatever the latency keeps on the wire.
      while (!roomFor(row) && running) await nextSignal(TICK_MS);
      if (!running) {
        results.push({ row, kind: "unclaim" });
        break;
      }
      // Its broadcast may have stopped (paused, cancelled, expired, quiet hours) while this row waited.
      if (row.broadcast_id !== null && active.get(row.broadcast_id)?.gate !== "send") {
        results.push({ row, kind: "unclaim" });
        continue;
      }
      inFlight++;
      void send(row).finally(() => {
        inFlight--;
        notify();
      });
    }
  }

  /**
   * With a rate, the gate decides when a call goes: the engine keeps about 200 ms of sending waiting in
   * the gate's lane (few rows in memory, so a crash leaves few ambiguous), and as many on the wire as
   * the network's latency needs. With no rate, the number on the wire is the only brake.
   */
  function roomFor(row: Row): boolean {
    const rate = bulkRate();
    if (rate <= 0) return inFlight < UNLIMITED_IN_FLIGHT;
    // On the wire: about two seconds' worth, so a hanging outage leaves few calls unanswered (ambiguous).
    const onWireCap = Math.min(MAX_IN_FLIGHT, Math.max(8, Math.ceil(rate * 2)));
    return inFlight < onWireCap && gate.waiting(row.lane) < Math.max(4, Math.ceil(rate / 5));
  }

  async function send(row: Row) {
    const broadcast = row.broadcast_id === null ? undefined : active.get(row.broadcast_id);
    // A broadcast's row is never sent as anything but that broadcast's content.
    if (row.broadcast_id !== null && !broadcast) {
      results.push({ row, kind: "unclaim" });
      return;
    }
    try {
      const messageId = broadcast
        ? await sendBroadcast(row, broadcast)
        : await sendOutgoing(row, JSON.parse(row.payload ?? "{}") as OutgoingMessage);
      results.push({ row, kind: "sent", at: clock.now(), messageId, paid: broadcast?.row.paid ?? false });
      if (broadcast) {
        broadcast.failuresInARow = 0;
        broadcast.transientInARow = 0;
      }
    } catch (error) {
      // Withdrawn while waiting in the gate (paused, cancelled, stopping): it never went out.
      if (error instanceof GateWithdrawnError || error instanceof GateClosedError) {
        results.push({ row, kind: "unclaim" });
        return;
      }
      classify(row, error, broadcast);
    }
  }

  function classify(row: Row, error: unknown, broadcast: ActiveBroadcast | undefined) {
    const now = clock.now();
    if (error instanceof GrammyError && error.error_code === 403) {
      results.push({ row, kind: "blocked", error: error.description });
      return;
    }
    const description =
      error instanceof GrammyError ? error.description : String((error as Error)?.message ?? error);
    // The gate waits out 429s itself; one that still reaches here is Telegram's pacing, not a failure.
    const flood = error instanceof GrammyError && error.error_code === 429;
    // No answer (a timeout, a cut connection) or Telegram's own failure: the message may have arrived.
    // Sent again, flagged, so a duplicate is always one Herald counted as possible.
    const ambiguous = error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
    const transient = flood || ambiguous || (error instanceof GrammyError && error.error_code >= 500);
    if (transient) {
      const waitMs = flood
        ? ((error as GrammyError).parameters.retry_after ?? 1) * 1000
        : Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(row.attempts, 10)) * (0.5 + Math.random());
      // Retried until the horizon (a broadcast's deadline expires its rows on its own): an outage
      // delays a message, it does not lose it.
      if (now + waitMs < row.created_at + RETRY_HORIZON_MS) {
        results.push({ row, kind: "retry", error: description, notBefore: now + waitMs, ambiguous });
      } else {
        results.push({
          row,
          kind: "failed",
          error: `gave up after ${RETRY_HORIZON_MS / 3_600_000} h: ${description}`,
        });
        logger.warn({ job: row.job_key, chat_id: row.telegram_id, err: description }, "send failed for good");
      }
    } else {
      results.push({ row, kind: "failed", error: description });
      logger.warn({ job: row.job_key, chat_id: row.telegram_id, err: description }, "send failed for good");
    }
    if (!broadcast || flood) return;
    broadcast.failuresInARow++;
    if (transient) broadcast.transientInARow++;
    broadcast.lastError = description;
    if (broadcast.failuresInARow === FAILURE_RUN) {
      // A run of 5xx/timeouts is Telegram's outage: paused until it answers again, then resumed by
      // the engine. A run of refusals needs an organiser.
      const outage = broadcast.transientInARow === broadcast.failuresInARow;
      pauseItself(broadcast, outage ? "outage" : "failures", description, now);
    }
  }

  function pauseItself(broadcast: ActiveBroadcast, by: PausedBy, lastError: string, now: number) {
    const reason =
      by === "outage"
        ? `paused after ${FAILURE_RUN} failed sends in a row; the last: ${lastError}. Telegram is not answering: Herald resumes it when it does`
        : `paused after ${FAILURE_RUN} failed sends in a row; the last: ${lastError}`;
    flushResults();
    // An organiser may have paused or cancelled it a moment ago: then there is nothing to announce.
    if (sql.pause.run(reason, by, broadcast.row.id).changes === 0) return;
    broadcast.row.status = "paused";
    broadcast.row.pausedBy = by;
    broadcast.row.pauseReason = reason;
    broadcast.gate = "not_yet";
    dropQueued(broadcast.row.id);
    logger.error({ broadcast: broadcast.row.id, reason }, "broadcast paused itself");
    // The organisers' progress message shows the pause and its reason at once.
    emitProgress(broadcast, now, "paused");
    if (by === "outage") events.emit("outage", { broadcastId: broadcast.row.id, reason: lastError });
  }

  /** While broadcasts wait for Telegram to come back, ask it now and then; resume them when it answers. */
  function probeAfterOutage(now: number) {
    if (probing || now - lastOutageProbe < OUTAGE_PROBE_MS) return;
    lastOutageProbe = now;
    if (sql.pausedForOutage.all().length === 0) return;
    probing = true;
    apis.transactional
      .getMe(apiSignal(stopping.signal))
      .then(
        () => {
          if (!running) return;
          const resumed = (sql.resumeAfterOutage.all() as Array<{ id: number }>).map((r) => r.id);
          if (resumed.length === 0) return;
          logger.info({ broadcasts: resumed }, "Telegram answers again: broadcasts resumed");
          for (const broadcastId of resumed) events.emit("recovered", { broadcastId });
          refreshBroadcasts(clock.now());
          notify();
        },
        (error: unknown) => logger.info({ err: String(error) }, "Telegram still not answering"),
      )
      .finally(() => {
        probing = false;
      });
  }

  async function sendOutgoing(row: Row, message: OutgoingMessage): Promise<number> {
    const sent = await apis.transactional.sendMessage(
      row.telegram_id,
      message.html,
      {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(message.silent ? { disable_notification: true } : {}),
        ...(message.buttons ? { reply_markup: { inline_keyboard: message.buttons } } : {}),
      },
      apiSignal(stopping.signal),
    );
    return sent.message_id;
  }

  function sendBroadcast(row: Row, broadcast: ActiveBroadcast): Promise<number> {
    const { content, row: b } = broadcast;
    const language =
      content.kind === "text" && content.localized
        ? (sql.languageOf.get(row.telegram_id) as { language: Language } | undefined)?.language
        : undefined;
    return sendContent(apis.bulk, row.telegram_id, content, paramsOf(row.telegram_id), {
      silent: b.silent,
      paid: b.paid,
      ...(language ? { language } : {}),
      // One long-lived signal per broadcast (stop() aborts them all): a signal made per send would be
      // held by its sources until the broadcast ends.
      signal: broadcast.withdraw.signal,
    });
  }

  // --- recording results -----------------------------------------------------------------------
  const flushResults = () => {
    if (results.length === 0) return;
    const batch = results.splice(0, results.length);
    const now = clock.now();
    const counts = new Map<
      number,
      {
        sent: number;
        failed: number;
        blocked: number;
        paid: number;
        stars: number;
        ambiguous: number;
        expired: number;
      }
    >();
    const countFor = (id: number) => {
      let c = counts.get(id);
      if (!c) {
        c = { sent: 0, failed: 0, blocked: 0, paid: 0, stars: 0, ambiguous: 0, expired: 0 };
        counts.set(id, c);
      }
      return c;
    };
    sqlite.transaction(() => {
      for (const result of batch) {
        const { row } = result;
        switch (result.kind) {
          case "sent":
            sql.markSent.run(result.at, result.messageId, row.id);
            if (row.broadcast_id !== null) {
              const c = countFor(row.broadcast_id);
              c.sent++;
              if (result.paid) {
                c.paid++;
                c.stars += paidCostTenths(row.broadcast_id, result.at);
              }
            }
            break;
          case "blocked":
            sql.markFinal.run("blocked", result.error, row.id);
            if (row.telegram_id > 0) sql.blockSubscriber.run(now, row.telegram_id);
            if (row.broadcast_id !== null) countFor(row.broadcast_id).blocked++;
            break;
          case "failed":
            sql.markFinal.run("failed", result.error, row.id);
            if (row.broadcast_id !== null) countFor(row.broadcast_id).failed++;
            break;
          case "retry":
            if (expiring(row)) {
              if (sql.markExpired.run(row.id).changes > 0) {
                const c = countFor(row.broadcast_id as number);
                c.expired++;
                // It may have arrived all the same.
                if (result.ambiguous && !row.ambiguous) c.ambiguous++;
              }
              break;
            }
            sql.markRetry.run(result.error, result.notBefore, result.ambiguous ? 1 : 0, row.id);
            if (result.ambiguous && !row.ambiguous && row.broadcast_id !== null) {
              countFor(row.broadcast_id).ambiguous++;
            }
            break;
          case "unclaim":
            if (expiring(row)) {
              if (sql.markExpired.run(row.id).changes > 0) countFor(row.broadcast_id as number).expired++;
              break;
            }
            sql.unclaim.run(row.id);
            break;
        }
      }
      for (const [id, c] of counts) {
        const { ambiguous, expired, ...figures } = c;
        sql.countResults.run({ id, ...figures });
        if (ambiguous > 0) sql.addAmbiguous.run(ambiguous, id);
        if (expired > 0) sql.expireRest.run(expired, id);
      }
    })();
    for (const [id, c] of counts) {
      const entry = active.get(id);
      if (!entry) continue;
      entry.row.sent += c.sent;
      entry.row.failed += c.failed;
      entry.row.blocked += c.blocked;
      entry.row.starsCost += c.stars;
      entry.row.ambiguous += c.ambiguous;
      entry.row.expired += c.expired;
    }
  };

  /** 0.1 Star (one tenth) for each paid message above the free rate within one wall-clock second. */
  function paidCostTenths(broadcastId: number, at: number): number {
    const entry = active.get(broadcastId);
    if (!entry) return 0;
    const second = Math.floor(at / 1000);
    if (entry.paidSecond !== second) {
      entry.paidSecond = second;
      entry.paidInSecond = 0;
    }
    entry.paidInSecond++;
    return entry.paidInSecond > FREE_RATE ? 1 : 0;
  }

  // --- progress --------------------------------------------------------------------------------
  function emitProgress(entry: ActiveBroadcast, now: number, status = entry.row.status) {
    const b = entry.row;
    entry.history.push({ at: now, sent: b.sent });
    while (entry.history.length > 1 && now - (entry.history[0]?.at ?? now) > 5000) entry.history.shift();
    const first = entry.history[0];
    const seconds = first ? (now - first.at) / 1000 : 0;
    const rate = first && seconds > 0 ? (b.sent - first.sent) / seconds : 0;
    const done = b.sent + b.failed + b.blocked + b.expired;
    const remaining = Math.max(0, b.total - done);
    const effectiveRate = gate.effectiveRate(b.paid);
    if (effectiveRate !== b.effectiveRate && status === "running") {
      sql.saveRate.run(effectiveRate, b.id);
      b.effectiveRate = effectiveRate;
    }
    // Until enough has been sent to measure, the ETA uses the rate the engine paces at.
    const etaRate = rate > 0 ? rate : effectiveRate;
    const progress: BroadcastProgress = {
      broadcastId: b.id,
      title: b.title,
      status,
      total: b.total,
      sent: b.sent,
      failed: b.failed,
      blocked: b.blocked,
      expired: b.expired,
      ambiguous: b.ambiguous,
      remaining,
      rate: Math.round(rate * 10) / 10,
      effectiveRate,
      etaSeconds: etaRate > 0 ? Math.ceil(remaining / etaRate) : null,
      waiting: entry.gate === "quiet" ? "quiet_hours" : entry.gate === "not_yet" ? "scheduled" : null,
      starsCost: b.starsCost / 10,
    };
    events.emit("progress", progress);
  }

  function tick() {
    if (!running) return;
    const now = clock.now();
    try {
      flushResults();
      refreshBroadcasts(now);
      claim(now);
      if (now - lastCompletionCheck >= 500) {
        lastCompletionCheck = now;
        flushResults();
        checkCompletion(now);
      }
      if (now - lastProgress >= PROGRESS_MS) {
        lastProgress = now;
        for (const entry of active.values()) emitProgress(entry, now);
      }
      probeAfterOutage(now);
      if (transactionalQueue.length + bulkQueue.length > 0) notify();
    } catch (error) {
      logger.error({ err: error }, "delivery tick failed");
    }
  }

  return {
    events,
    start() {
      if (running) return;
      const interrupted = sqlite.transaction(() => {
        const groups = sql.countInterrupted.all() as Array<{
          broadcast_id: number | null;
          n: number;
          fresh: number;
        }>;
        sql.requeueInterrupted.run();
        // A row already flagged (it had gone unanswered before) is not counted twice.
        for (const g of groups)
          if (g.broadcast_id !== null && g.fresh > 0) sql.addAmbiguous.run(g.fresh, g.broadcast_id);
        return groups.reduce((sum, g) => sum + g.n, 0);
      })();
      if (interrupted > 0) {
        logger.warn({ rows: interrupted }, "sends in flight at the last stop are sent again (ambiguous)");
      }
      running = true;
      stopping = withdrawController();
      ticker = setInterval(tick, TICK_MS);
      flushTimer = setInterval(flushResults, FLUSH_MS);
      tick();
      dispatcher = dispatch().catch((error: unknown) =>
        logger.fatal({ err: error }, "delivery dispatcher stopped"),
      );
    },
    wake() {
      if (!running) return;
      claim(clock.now());
      notify();
    },
    async stop() {
      if (!running) return;
      running = false;
      clearInterval(ticker);
      notify();
      // Calls still waiting in the gate are withdrawn (their rows go back unsent); those on the wire
      // get a moment to answer, then are cut off and sent again at the next start (ambiguous).
      stopping.abort();
      for (const entry of active.values()) entry.withdraw.abort();
      await dispatcher;
      // Results keep being written meanwhile (flushTimer still runs): a forced exit loses none of them.
      const cutOffAt = Date.now() + STOP_WAIT_MS;
      while (inFlight > 0 && Date.now() < cutOffAt) await nextSignal(TICK_MS);
      if (inFlight > 0) gate.abortOnWire((request) => request.lane !== "reply");
      // Cut-off calls answer at once; anything still out stays 'sending' and is sent again at start.
      const giveUpAt = Date.now() + STOP_WAIT_MS;
      while (inFlight > 0 && Date.now() < giveUpAt) await nextSignal(TICK_MS);
      clearInterval(flushTimer);
      for (const row of [...transactionalQueue.splice(0), ...bulkQueue.splice(0)])
        results.push({ row, kind: "unclaim" });
      flushResults();
      // Their withdraw signals are spent: a start after this one begins with fresh entries.
      active.clear();
    },
  };
}
