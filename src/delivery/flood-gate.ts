import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { FloodClosureStore } from "./flood-closures.js";
import { AdaptiveRate, JitterMeter } from "./flood-rate.js";
import { createSlidingWindow, type SlidingWindow, UnansweredCalls } from "./flood-window.js";

/**
 * One flood gate per bot token: every call that costs Telegram budget — engine sends, replies,
 * dialogs, progress edits, reports, callback answers, command menus — waits here until each scope it
 * counts against is open and paced, and only then goes on the wire. Nothing is reserved ahead: the
 * check is made at the moment of sending, so a 429 holds back every call of its scope that is not on
 * the wire yet, whenever it was queued.
 *
 * Scopes: the bot's bulk lane (free, or paid with allow_paid_broadcast), each private chat, each
 * group, and per method for calls that are not messages. Pacing is a sliding window as sent, with a
 * margin for network jitter, so it holds in any second Telegram may count (not just on average), and
 * the bulk rate adapts: down after a 429, slowly back up while sending goes well.
 */
export type Lane = "reply" | "transactional" | "bulk";
/** Highest priority first: a reply to a user who just wrote never waits behind a broadcast. */
export const LANES: readonly Lane[] = ["reply", "transactional", "bulk"];

export interface GateRequest {
  lane: Lane;
  method: string;
  /** The chat the call writes to, if any. */
  chatId?: number;
  kind: "message" | "edit" | "other";
  /** Sent with allow_paid_broadcast: counts against the paid rate instead of the free one. */
  paid?: boolean;
  /** A call still waiting (for a closed scope) at this time is answered with the last 429 instead. */
  giveUpAt?: number;
  /** Overrides the request timeout (uploads take longer than a message). */
  timeoutMs?: number;
}

export interface RunOptions {
  /** Withdraws the call while it waits; once on the wire it runs to its answer (or the timeout). */
  cancel?: AbortSignal;
}

export interface GateStats {
  /** 429 answers seen, by the kind of scope the call counted against. */
  floods: { bulk: number; paid: number; chat: number; group: number; other: number };
  /** Times the bulk or paid rate was lowered after a 429. */
  rateDecreases: number;
  timeouts: number;
  waiting: number;
  onWire: number;
}

export interface FloodGate {
  /**
   * Runs `call` when its scopes allow, with a signal that aborts it at the request timeout. An answer
   * that is a 429 closes the scopes and the call waits and runs again (no attempt is lost).
   */
  run<T>(request: GateRequest, call: (signal: AbortSignal) => Promise<T>, options?: RunOptions): Promise<T>;
  /** A user wrote in this private chat (at: when Telegram got it): replies skip the bulk lane for a while. */
  noteUserUpdate(chatId: number, at: number): void;
  /** The bulk (or paid) rate in use, messages per second as sent; 0 = no limit. */
  effectiveRate(paid?: boolean): number;
  /** The configured free and paid rates (the adaptive rate never goes above them). */
  readonly configuredRate: { free: number; paid: number };
  stats(): GateStats;
  /** Calls waiting in a lane (not yet on the wire). */
  waiting(lane: Lane): number;
  /** Aborts calls on the wire that match (stop: do not wait for a hung request). */
  abortOnWire(match?: (request: GateRequest) => boolean): number;
  /** Rejects every waiting call with GateClosedError and aborts those on the wire. */
  close(): void;
}

export interface FloodGateOptions {
  /** Free bulk rate, messages per second (0: no limit). */
  rate: number;
  /** Rate of paid broadcasts (allow_paid_broadcast), up to 1000 (0: no limit). */
  paidRate: number;
  clock: Clock;
  logger?: Logger;
  /**
   * Added to every window (sends this much apart may arrive closer together). The least margin: after
   * a 429 on a rate lane the gate widens it by JITTER_STEP_MS, as far as half the spread of the answer
   * times it measures (p5..p95) allows, up to MAX_JITTER_MS, before it lowers the rate.
   */
  jitterMarginMs?: number;
  /** Every call on the wire is aborted after this long (counted ambiguous by the engine). */
  requestTimeoutMs?: number;
  /**
   * Keeps closed scopes across a restart: loaded when the gate is made, written on every 429. A
   * process killed inside a long retry_after must not come back sending into it.
   */
  closures?: FloodClosureStore;
  /** Test hook: how to tell a flood answer; default: a raw Bot API response or a GrammyError with 429. */
  floodOf?: (outcome: unknown) => number | undefined;
}

export class GateClosedError extends Error {
  override readonly name = "GateClosedError";
  constructor() {
    super("the flood gate is closed (Herald is stopping)");
  }
}

export class GateWithdrawnError extends Error {
  override readonly name = "GateWithdrawnError";
  constructor() {
    super("the call was withdrawn before it was sent");
  }
}

/** Sends this far apart may arrive closer together (network jitter on the way to Telegram). */
export const JITTER_MARGIN_MS = 40;
export const MAX_JITTER_MS = 400;
/** One 429 episode widens the margin by this much (while the measured spread allows it). */
export const JITTER_STEP_MS = 40;
/** A margin widened this long ago without another 429 narrows back by a step. */
export const JITTER_NARROW_AFTER_MS = 60_000;
/** Added to retry_after: our clock and Telegram's are not the same clock. */
export const CLOSE_MARGIN_MS = 150;
export const REQUEST_TIMEOUT_MS = 10_000;
/** Telegram's per-chat allowance as we keep it: a burst of 3, then about one a second. */
const CHAT_LIMIT = 3;
const CHAT_WINDOW_MS = 3000;
const GROUP_LIMIT = 20;
const GROUP_WINDOW_MS = 60_000;
/**
 * A chat's or a group's window is long and its limit small, so a wide margin costs little; at least
 * this much also covers a busy event loop delaying one send of a burst more than the next.
 */
const CHAT_MARGIN_MS = 250;
/**
 * Replies to a user who wrote this recently do not count against the bulk lane (Telegram exempts
 * them). Shorter than any exemption we have seen, measured from the update's own date.
 */
const REPLY_EXEMPT_MS = 4000;
/** A 429 on a chat's message is blamed on the bulk lane too if the lane was at least this full. */
const BULK_BLAME_SHARE = 0.5;
/** How many waiting calls of one lane are looked at per pass (one chat's backlog must not hide others). */
const SCAN_LIMIT = 256;
const PRUNE_AT = 5000;
const PRUNE_EVERY_MS = 1000;
/** How often calls on the wire are checked against their timeout. */
const SWEEP_MS = 250;

interface Scope {
  key: string;
  kind: keyof GateStats["floods"];
  window: SlidingWindow | undefined;
  closedUntil: number;
  /** GCRA smoothing: the theoretical time of the next send, and how early one may go. */
  tat: number;
  spacingMs: number;
  toleranceMs: number;
  adaptive: AdaptiveRate | undefined;
  /** A rate lane's calls on the wire: those sent before its window still count until answered. */
  unanswered: UnansweredCalls | undefined;
  lastUsed: number;
}

interface Job {
  request: GateRequest;
  call: (signal: AbortSignal) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cancel: AbortSignal | undefined;
  onCancel: (() => void) | undefined;
  lastFlood: unknown;
}

interface WireCall {
  request: GateRequest;
  controller: AbortController;
  /** When it is cut off if no answer came. */
  deadline: number;
}

export function createFloodGate(options: FloodGateOptions): FloodGate {
  const { clock } = options;
  const leastJitter = options.jitterMarginMs ?? JITTER_MARGIN_MS;
  const jitterMeter = new JitterMeter(leastJitter, MAX_JITTER_MS);
  let jitter = leastJitter;
  /** When the margin was last widened: 429s of calls sent before then belong to that episode. */
  let jitterWidenedAt = Number.NEGATIVE_INFINITY;
  let jitterNarrowedAt = Number.NEGATIVE_INFINITY;
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const floodOf = options.floodOf ?? retryAfterOf;
  const logger = options.logger?.child({ part: "flood-gate" });
  const queues: Record<Lane, Job[]> = { reply: [], transactional: [], bulk: [] };
  const scopes = new Map<string, Scope>();
  const exemptUntil = new Map<number, number>();
  const onWire = new Set<WireCall>();
  const stats: GateStats = {
    floods: { bulk: 0, paid: 0, chat: 0, group: 0, other: 0 },
    rateDecreases: 0,
    timeouts: 0,
    waiting: 0,
    onWire: 0,
  };
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;
  let pumpQueued = false;
  let sweeper: NodeJS.Timeout | undefined;
  let lastPrune = 0;

  const bulk = rateScope("bulk", "bulk", options.rate);
  const paid = rateScope("paid", "paid", options.paidRate);
  scopes.set(bulk.key, bulk);
  scopes.set(paid.key, paid);
  for (const closure of options.closures?.load(clock.now()) ?? []) {
    const scope = scopeOfKey(closure.scope);
    if (!scope) continue;
    scope.closedUntil = Math.max(scope.closedUntil, closure.closedUntil);
    if (scope.spacingMs > 0) scope.tat = Math.max(scope.tat, scope.closedUntil);
  }

  function rateScope(key: string, kind: Scope["kind"], rate: number): Scope {
    const scope: Scope = {
      key,
      kind,
      window: undefined,
      closedUntil: 0,
      tat: 0,
      spacingMs: 0,
      toleranceMs: 0,
      adaptive: rate > 0 ? new AdaptiveRate(rate) : undefined,
      unanswered: rate > 0 ? new UnansweredCalls() : undefined,
      lastUsed: 0,
    };
    applyRate(scope);
    return scope;
  }

  /** The window holds floor(rate) sends per (1 s + jitter); sends are spaced evenly within it. */
  function applyRate(scope: Scope) {
    const adaptive = scope.adaptive;
    if (!adaptive) return;
    const limit = Math.max(1, Math.floor(adaptive.current));
    const windowMs = 1000 + jitter;
    if (scope.window) {
      scope.window.resize(limit);
      scope.window.windowMs = windowMs;
    } else scope.window = createSlidingWindow(limit, windowMs);
    scope.spacingMs = windowMs / limit;
    // At high rates timers cannot keep a 1 ms rhythm: allow catching up by a few sends.
    scope.toleranceMs = scope.spacingMs * Math.max(0.5, limit / 50);
  }

  /** The scope of a chat, a group or a method, made on first use (pruned once its window has emptied). */
  function scopeFor(key: string, kind: Scope["kind"], window?: { limit: number; windowMs: number }): Scope {
    let scope = scopes.get(key);
    if (!scope) {
      scope = {
        key,
        kind,
        window: window
          ? createSlidingWindow(window.limit, window.windowMs + Math.max(CHAT_MARGIN_MS, jitter))
          : undefined,
        closedUntil: 0,
        tat: 0,
        spacingMs: 0,
        toleranceMs: 0,
        adaptive: undefined,
        unanswered: undefined,
        lastUsed: 0,
      };
      scopes.set(key, scope);
    }
    return scope;
  }

  /** A scope from its key as stored (`bulk`, `chat:<id>`, …); undefined for a key this gate does not make. */
  function scopeOfKey(key: string): Scope | undefined {
    if (key === bulk.key) return bulk;
    if (key === paid.key) return paid;
    const [kind, rest] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    if (kind === "chat" && /^\d+$/.test(rest)) {
      return scopeFor(key, "chat", { limit: CHAT_LIMIT, windowMs: CHAT_WINDOW_MS });
    }
    if (kind === "group" && /^-\d+$/.test(rest)) {
      return scopeFor(key, "group", { limit: GROUP_LIMIT, windowMs: GROUP_WINDOW_MS });
    }
    if (kind === "method" && rest !== "") return scopeFor(key, "other");
    return undefined;
  }

  /** The scopes a call counts against, now. */
  function scopesOf(request: GateRequest, now: number): Scope[] {
    const { chatId } = request;
    if (request.kind === "other" || chatId === undefined)
      return [scopeFor(`method:${request.method}`, "other")];
    const list: Scope[] = [];
    if (chatId > 0)
      list.push(scopeFor(`chat:${chatId}`, "chat", { limit: CHAT_LIMIT, windowMs: CHAT_WINDOW_MS }));
    else list.push(scopeFor(`group:${chatId}`, "group", { limit: GROUP_LIMIT, windowMs: GROUP_WINDOW_MS }));
    if (request.kind === "message") {
      // Only a reply claims the exemption: a broadcast or a ticket to someone who happens to have
      // written is still bulk, whatever Telegram's counter makes of it.
      const exempt = request.lane === "reply" && chatId > 0 && (exemptUntil.get(chatId) ?? 0) > now;
      if (!exempt) list.push(request.paid ? paid : bulk);
    }
    return list;
  }

  function readyAt(scope: Scope, now: number): number {
    let at = scope.closedUntil > now ? scope.closedUntil : now;
    const window = scope.window;
    if (window) {
      const held = scope.unanswered ? scope.unanswered.heldBefore(now - window.windowMs) : 0;
      at = Math.max(at, window.nextFree(now, held));
    }
    if (scope.spacingMs > 0) at = Math.max(at, scope.tat - scope.toleranceMs);
    return at;
  }

  function consume(scope: Scope, now: number) {
    scope.window?.record(now);
    if (scope.spacingMs > 0) scope.tat = Math.max(scope.tat, now) + scope.spacingMs;
    scope.lastUsed = now;
    const window = scope.window;
    if (!scope.adaptive || !window) return;
    const busy = window.countAt(now) >= window.limit * 0.8;
    if (scope.adaptive.raise(now, busy)) applyRate(scope);
    // Like the rate, the margin finds its way back while sending goes well: a 429 from one bunched
    // second must not cost speed for the rest of the day.
    if (
      busy &&
      jitter > leastJitter &&
      now - Math.max(jitterWidenedAt, jitterNarrowedAt) >= JITTER_NARROW_AFTER_MS
    ) {
      jitter = Math.max(leastJitter, jitter - JITTER_STEP_MS);
      jitterNarrowedAt = now;
      applyRate(bulk);
      applyRate(paid);
    }
  }

  function onFlood(list: Scope[], retryAfterS: number, sentAt: number) {
    const now = clock.now();
    const until = now + retryAfterS * 1000 + CLOSE_MARGIN_MS;
    // Telegram does not say which limit it was. The chat's or group's own scope always closes; the
    // bulk lane only if it was busy enough to be the cause (a dialog's 429 in a quiet hour must not
    // stall a broadcast, nor lower its rate). Closing too much is safe; too little is a penalty.
    // A chat (or group) not near its own limit cannot be over it: then the 429 is the bulk lane's.
    const narrow = list.find((s) => s.kind === "chat" || s.kind === "group");
    const narrowBusy =
      narrow?.window !== undefined && narrow.window.countAt(sentAt) >= Math.max(2, narrow.window.limit - 1);
    const blamed = list.filter((scope) => {
      if (!scope.adaptive || !narrowBusy || !scope.window) return true;
      return scope.window.countAt(sentAt) >= scope.window.limit * BULK_BLAME_SHARE;
    });
    for (const scope of blamed) {
      // A chat's scope pruned while this call was on the wire comes back, closed.
      if (!scopes.has(scope.key)) scopes.set(scope.key, scope);
      scope.closedUntil = Math.max(scope.closedUntil, until);
      saveClosure(scope);
      // Start again from an even pace after the wait, not with a burst.
      if (scope.spacingMs > 0) scope.tat = Math.max(scope.tat, scope.closedUntil);
      if (scope.adaptive && sentAt < jitterWidenedAt) continue;
      if (scope.adaptive && widenJitter(now)) {
        logger?.warn(
          { scope: scope.key, retryAfterS, jitterMs: jitter, rate: effectiveOf(scope) },
          "flood limit: scope closed, jitter margin widened",
        );
        continue;
      }
      if (scope.adaptive?.lower(sentAt, now)) {
        applyRate(scope);
        stats.rateDecreases++;
        logger?.warn(
          { scope: scope.key, retryAfterS, rate: effectiveOf(scope) },
          "flood limit: scope closed, rate lowered",
        );
      }
    }
    const counted = blamed.find((s) => s.kind === "bulk" || s.kind === "paid") ?? blamed[0];
    stats.floods[counted?.kind ?? "other"]++;
    if (!blamed.some((s) => s.adaptive)) {
      logger?.warn({ scopes: blamed.map((s) => s.key), retryAfterS }, "flood limit: scope closed");
    }
  }

  function saveClosure(scope: Scope) {
    if (!options.closures) return;
    try {
      options.closures.save({ scope: scope.key, closedUntil: scope.closedUntil });
    } catch (error) {
      // The closure still holds in memory; only a restart within it would not know.
      logger?.error({ err: error, scope: scope.key }, "flood gate: could not store a closed scope");
    }
  }

  function effectiveOf(scope: Scope): number {
    if (!scope.adaptive || !scope.window) return 0;
    return Math.round((scope.window.limit * 10_000) / scope.window.windowMs) / 10;
  }

  /**
   * A 429 on a rate lane says Telegram counted more in a second than we sent in ours: either its
   * limit is lower (the rate goes down) or our sends arrived bunched. While the answer times show
   * jitter that could bunch them, the margin widens first, a step per episode: the spread of round
   * trips is mostly Telegram's work and the way back, so widening to all of it at once would cost
   * up to a seventh of the speed where no arrival ever bunched.
   */
  function widenJitter(now: number): boolean {
    if (jitterMeter.estimateMs < jitter + 5) return false;
    jitter = Math.min(jitterMeter.estimateMs, jitter + JITTER_STEP_MS);
    jitterWidenedAt = now;
    applyRate(bulk);
    applyRate(paid);
    return true;
  }

  function launch(job: Job, list: Scope[], now: number) {
    for (const scope of list) consume(scope, now);
    const rateLane = list.find((scope) => scope.unanswered);
    const unanswered = rateLane?.unanswered?.add(now);
    detachCancel(job);
    const controller = new AbortController();
    // One sweep checks every call's deadline (a timer per call costs more than it saves at 1000/s).
    const wire: WireCall = {
      request: job.request,
      controller,
      deadline: now + (job.request.timeoutMs ?? timeoutMs),
    };
    onWire.add(wire);
    stats.onWire = onWire.size;
    sweepSoon();
    const settle = () => {
      const laneWindow = rateLane?.window;
      if (unanswered && laneWindow && rateLane?.unanswered) {
        const at = clock.now();
        // Answered within the margin, it arrived within it too: the window as sent covered it.
        const slowMs = Math.min(laneWindow.windowMs, Math.max(jitter, jitterMeter.slowMs));
        if (rateLane.unanswered.answer(unanswered, at, slowMs)) laneWindow.record(at);
      }
      onWire.delete(wire);
      stats.onWire = onWire.size;
    };
    let promise: Promise<unknown>;
    try {
      promise = job.call(controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        settle();
        jitterMeter.note(clock.now() - now);
        const retryAfter = floodOf(value);
        if (retryAfter === undefined) job.resolve(value);
        else requeue(job, list, retryAfter, now, value);
        pump();
      },
      (error: unknown) => {
        settle();
        const retryAfter = floodOf(error);
        if (retryAfter === undefined) job.reject(error);
        else requeue(job, list, retryAfter, now, error);
        pump();
      },
    );
  }

  function sweepSoon() {
    if (sweeper || closed) return;
    sweeper = setTimeout(sweep, SWEEP_MS);
  }

  function sweep() {
    sweeper = undefined;
    const now = clock.now();
    for (const wire of onWire) {
      if (wire.deadline > now || wire.controller.signal.aborted) continue;
      stats.timeouts++;
      wire.controller.abort(
        new Error(`no answer from Telegram within ${wire.request.timeoutMs ?? timeoutMs} ms`),
      );
    }
    if (onWire.size > 0) sweepSoon();
  }

  function requeue(job: Job, list: Scope[], retryAfterS: number, sentAt: number, outcome: unknown) {
    onFlood(list, retryAfterS, sentAt);
    job.lastFlood = outcome;
    if (closed) {
      job.reject(new GateClosedError());
      return;
    }
    // Withdrawn while it was on the wire (a pause, a cancel, a stop): it does not go again.
    if (job.cancel?.aborted) {
      job.reject(new GateWithdrawnError());
      return;
    }
    if (job.request.giveUpAt !== undefined && clock.now() + retryAfterS * 1000 > job.request.giveUpAt) {
      settleFlood(job);
      return;
    }
    attachCancel(job);
    // Back to the front of its lane: Telegram's pacing, not the call's fault.
    queues[job.request.lane].unshift(job);
    stats.waiting++;
  }

  /** Gives up on a call: its caller gets the 429 as Telegram gave it, or one saying how long it would wait. */
  function settleFlood(job: Job, waitMs = 0) {
    const outcome = job.lastFlood ?? {
      ok: false,
      error_code: 429,
      description: "Too Many Requests: Herald's flood gate would hold this call too long",
      parameters: { retry_after: Math.max(1, Math.ceil(waitMs / 1000)) },
    };
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  function attachCancel(job: Job) {
    if (!job.cancel || job.onCancel) return;
    job.onCancel = () => withdraw(job);
    job.cancel.addEventListener("abort", job.onCancel, { once: true });
  }

  function detachCancel(job: Job) {
    if (job.cancel && job.onCancel) job.cancel.removeEventListener("abort", job.onCancel);
    job.onCancel = undefined;
  }

  function withdraw(job: Job) {
    const queue = queues[job.request.lane];
    const i = queue.indexOf(job);
    if (i < 0) return;
    queue.splice(i, 1);
    stats.waiting--;
    detachCancel(job);
    job.reject(new GateWithdrawnError());
  }

  /**
   * Looks for calls that may go now, after the answers that already arrived have been read: a send
   * made from inside another call's answer, or from a timer (timers run before I/O in Node's loop),
   * could otherwise leave after a 429 that is here but not read yet.
   */
  function pump() {
    if (pumpQueued || closed) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pumpNow();
    });
  }

  function pumpNow() {
    if (closed) return;
    const now = clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const lane of LANES) {
      const queue = queues[lane];
      const limit = Math.min(queue.length, SCAN_LIMIT);
      for (let i = 0, scanned = 0; i < queue.length && scanned < limit; scanned++) {
        const job = queue[i] as Job;
        // The engine's lanes are all messages: while their rate scope is not ready, neither is any
        // of them, and there is no need to work out each one's scopes (1000/s keeps this loop hot).
        if (lane !== "reply" && job.request.kind === "message" && !job.cancel?.aborted) {
          const rateReadyAt = readyAt(job.request.paid ? paid : bulk, now);
          if (
            rateReadyAt > now &&
            (job.request.giveUpAt === undefined || rateReadyAt <= job.request.giveUpAt)
          ) {
            earliest = Math.min(earliest, rateReadyAt);
            i++;
            continue;
          }
        }
        const list = scopesOf(job.request, now);
        let at = now;
        for (const scope of list) at = Math.max(at, readyAt(scope, now));
        if (job.cancel?.aborted) {
          queue.splice(i, 1);
          stats.waiting--;
          detachCancel(job);
          job.reject(new GateWithdrawnError());
          continue;
        }
        if (at <= now) {
          queue.splice(i, 1);
          stats.waiting--;
          launch(job, list, now);
          continue;
        }
        // Waiting past its give-up time (a long retry_after, a group's budget): answered with a 429.
        if (job.request.giveUpAt !== undefined && at > job.request.giveUpAt) {
          queue.splice(i, 1);
          stats.waiting--;
          detachCancel(job);
          settleFlood(job, at - now);
          continue;
        }
        earliest = Math.min(earliest, at);
        i++;
      }
    }
    if (scopes.size > PRUNE_AT && now - lastPrune >= PRUNE_EVERY_MS) prune(now);
    arm(earliest);
  }

  function arm(at: number) {
    if (at === Number.POSITIVE_INFINITY) return;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        pump();
      },
      Math.max(0, Math.ceil(at - clock.now())),
    );
  }

  /** Forgets chats whose window has emptied (a broadcast touches each recipient's chat once). */
  function prune(now: number) {
    lastPrune = now;
    for (const [key, scope] of scopes) {
      if (scope.adaptive || scope.closedUntil > now) continue;
      if (now - scope.lastUsed > (scope.window?.windowMs ?? 0)) scopes.delete(key);
    }
    for (const [chat, until] of exemptUntil) if (until <= now) exemptUntil.delete(chat);
  }

  return {
    run<T>(request: GateRequest, call: (signal: AbortSignal) => Promise<T>, runOptions: RunOptions = {}) {
      if (closed) return Promise.reject(new GateClosedError());
      if (runOptions.cancel?.aborted) return Promise.reject(new GateWithdrawnError());
      return new Promise<T>((resolve, reject) => {
        const job: Job = {
          request,
          call,
          resolve: resolve as (value: unknown) => void,
          reject,
          cancel: runOptions.cancel,
          onCancel: undefined,
          lastFlood: undefined,
        };
        attachCancel(job);
        queues[request.lane].push(job);
        stats.waiting++;
        pump();
      });
    },
    noteUserUpdate(chatId, at) {
      if (chatId <= 0) return;
      if (exemptUntil.size > PRUNE_AT) {
        const now = clock.now();
        for (const [chat, until] of exemptUntil) if (until <= now) exemptUntil.delete(chat);
      }
      const until = at + REPLY_EXEMPT_MS;
      if (until > (exemptUntil.get(chatId) ?? 0)) exemptUntil.set(chatId, until);
    },
    effectiveRate(isPaid = false) {
      return effectiveOf(isPaid ? paid : bulk);
    },
    configuredRate: { free: options.rate, paid: options.paidRate },
    stats() {
      return { ...stats, floods: { ...stats.floods } };
    },
    waiting(lane) {
      return queues[lane].length;
    },
    abortOnWire(match = () => true) {
      let n = 0;
      for (const wire of onWire) {
        if (!match(wire.request)) continue;
        wire.controller.abort(new Error("stopping: the call was cut off"));
        n++;
      }
      return n;
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (sweeper) clearTimeout(sweeper);
      sweeper = undefined;
      for (const lane of LANES) {
        for (const job of queues[lane].splice(0)) {
          detachCancel(job);
          job.reject(new GateClosedError());
        }
      }
      stats.waiting = 0;
      for (const wire of onWire) wire.controller.abort(new GateClosedError());
    },
  };
}

/** retry_after (seconds) of a 429, from a raw Bot API response or an error carrying one. */
export function retryAfterOf(outcome: unknown): number | undefined {
  if (typeof outcome !== "object" || outcome === null) return undefined;
  const o = outcome as { ok?: unknown; error_code?: unknown; parameters?: { retry_after?: unknown } };
  if (o.ok === true || o.error_code !== 429) return undefined;
  const retryAfter = o.parameters?.retry_after;
  return typeof retryAfter === "number" && retryAfter >= 0 ? retryAfter : 1;
}
