import type { Clock } from "../clock.js";
import {
  type FloodGate,
  type FloodGateOptions,
  GateClosedError,
  type GateRequest,
  type GateStats,
  GateWithdrawnError,
  LANES,
  type Lane,
  type RunOptions,
  retryAfterOf,
} from "./flood-gate-api.js";
import { FloodScopes, type Scope } from "./flood-scopes.js";

export * from "./flood-gate-api.js";
export {
  CLOSE_MARGIN_MS,
  JITTER_MARGIN_MS,
  JITTER_NARROW_AFTER_MS,
  JITTER_STEP_MS,
  MAX_JITTER_MS,
} from "./flood-limits.js";

export const REQUEST_TIMEOUT_MS = 10_000;
/** How many waiting calls of one lane are looked at per pass (one chat's backlog must not hide others). */
const SCAN_LIMIT = 256;
/** How often calls on the wire are checked against their timeout. */
const SWEEP_MS = 250;

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
export function createFloodGate(options: FloodGateOptions): FloodGate {
  return new Gate(options);
}

/** The gate's queues and the calls on the wire; what the scopes allow is FloodScopes' to say. */
class Gate implements FloodGate {
  readonly configuredRate: { free: number; paid: number };
  private readonly clock: Clock;
  private readonly scopes: FloodScopes;
  private readonly timeoutMs: number;
  private readonly closures: FloodGateOptions["closures"];
  private readonly floodOf: (outcome: unknown) => number | undefined;
  private readonly queues: Record<Lane, Job[]> = { reply: [], transactional: [], bulk: [] };
  private readonly onWire = new Set<WireCall>();
  private timeouts = 0;
  private waitingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private pumpQueued = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(options: FloodGateOptions) {
    this.clock = options.clock;
    this.configuredRate = { free: options.rate, paid: options.paidRate };
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.closures = options.closures;
    this.floodOf = options.floodOf ?? retryAfterOf;
    const logger = options.logger?.child({ part: "flood-gate" });
    this.scopes = new FloodScopes(
      {
        rate: options.rate,
        paidRate: options.paidRate,
        ...(options.jitterMarginMs !== undefined && { jitterMarginMs: options.jitterMarginMs }),
        ...(options.closures && { closures: options.closures }),
        ...(logger && { logger }),
      },
      this.clock.now(),
    );
  }

  run<T>(
    request: GateRequest,
    call: (signal: AbortSignal) => Promise<T>,
    runOptions: RunOptions = {},
  ): Promise<T> {
    if (this.closed) return Promise.reject(new GateClosedError());
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
      this.attachCancel(job);
      this.queues[request.lane].push(job);
      this.waitingCount++;
      this.pump();
    });
  }

  noteUserUpdate(chatId: number, at: number): void {
    this.scopes.noteUserUpdate(chatId, at, this.clock.now());
  }

  effectiveRate(isPaid = false): number {
    return this.scopes.effectiveRate(isPaid);
  }

  stats(): GateStats {
    return {
      floods: { ...this.scopes.floods },
      rateDecreases: this.scopes.rateDecreases,
      timeouts: this.timeouts,
      waiting: this.waitingCount,
      onWire: this.onWire.size,
    };
  }

  waiting(lane: Lane): number {
    return this.queues[lane].length;
  }

  abortOnWire(match: (request: GateRequest) => boolean = () => true): number {
    let n = 0;
    for (const wire of this.onWire) {
      if (!match(wire.request)) continue;
      wire.controller.abort(new Error("stopping: the call was cut off"));
      n++;
    }
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sweeper) clearTimeout(this.sweeper);
    this.sweeper = undefined;
    for (const lane of LANES) {
      for (const job of this.queues[lane].splice(0)) {
        this.detachCancel(job);
        job.reject(new GateClosedError());
      }
    }
    this.waitingCount = 0;
    for (const wire of this.onWire) wire.controller.abort(new GateClosedError());
    this.closures?.flush();
  }

  private launch(job: Job, list: Scope[], now: number): void {
    const scoped = this.scopes.send(list, now, job.request.timeoutMs === undefined);
    this.detachCancel(job);
    // One sweep checks every call's deadline (a timer per call costs more than it saves at 1000/s).
    const wire: WireCall = {
      request: job.request,
      controller: new AbortController(),
      deadline: now + (job.request.timeoutMs ?? this.timeoutMs),
    };
    this.onWire.add(wire);
    this.sweepSoon();
    let promise: Promise<unknown>;
    try {
      promise = job.call(wire.controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    const settle = (outcome: unknown, answered: boolean) => {
      scoped.answered(this.clock.now(), answered ? "answer" : "error");
      this.onWire.delete(wire);
      const retryAfter = this.floodOf(outcome);
      if (retryAfter !== undefined) this.requeue(job, list, retryAfter, now, outcome);
      else if (answered) job.resolve(outcome);
      else job.reject(outcome);
      this.pump();
    };
    promise.then(
      (value) => settle(value, true),
      (error: unknown) => settle(error, false),
    );
  }

  private sweepSoon(): void {
    if (this.sweeper || this.closed) return;
    this.sweeper = setTimeout(() => this.sweep(), SWEEP_MS);
  }

  private sweep(): void {
    this.sweeper = undefined;
    const now = this.clock.now();
    for (const wire of this.onWire) {
      if (wire.deadline > now || wire.controller.signal.aborted) continue;
      this.timeouts++;
      wire.controller.abort(
        new Error(`no answer from Telegram within ${wire.request.timeoutMs ?? this.timeoutMs} ms`),
      );
    }
    if (this.onWire.size > 0) this.sweepSoon();
  }

  private requeue(job: Job, list: Scope[], retryAfterS: number, sentAt: number, outcome: unknown): void {
    this.scopes.closeAfterFlood(list, retryAfterS, sentAt, this.clock.now());
    job.lastFlood = outcome;
    if (this.closed) {
      job.reject(new GateClosedError());
      return;
    }
    // Withdrawn while it was on the wire (a pause, a cancel, a stop): it does not go again.
    if (job.cancel?.aborted) {
      job.reject(new GateWithdrawnError());
      return;
    }
    if (job.request.giveUpAt !== undefined && this.clock.now() + retryAfterS * 1000 > job.request.giveUpAt) {
      settleFlood(job);
      return;
    }
    this.attachCancel(job);
    // Back to the front of its lane: Telegram's pacing, not the call's fault.
    this.queues[job.request.lane].unshift(job);
    this.waitingCount++;
  }

  private attachCancel(job: Job): void {
    if (!job.cancel || job.onCancel) return;
    job.onCancel = () => this.withdraw(job);
    job.cancel.addEventListener("abort", job.onCancel, { once: true });
  }

  private detachCancel(job: Job): void {
    if (job.cancel && job.onCancel) job.cancel.removeEventListener("abort", job.onCancel);
    job.onCancel = undefined;
  }

  private withdraw(job: Job): void {
    const queue = this.queues[job.request.lane];
    const i = queue.indexOf(job);
    if (i < 0) return;
    queue.splice(i, 1);
    this.waitingCount--;
    this.detachCancel(job);
    job.reject(new GateWithdrawnError());
  }

  /**
   * Looks for calls that may go now, after the answers that already arrived have been read: a send
   * made from inside another call's answer, or from a timer (timers run before I/O in Node's loop),
   * could otherwise leave after a 429 that is here but not read yet.
   */
  private pump(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pumpNow();
    });
  }

  private pumpNow(): void {
    if (this.closed) return;
    const now = this.clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const lane of LANES) earliest = Math.min(earliest, this.pumpLane(lane, now));
    this.scopes.prune(now);
    this.arm(earliest);
  }

  /** Sends what may go from one lane; returns when the first of the rest may. */
  private pumpLane(lane: Lane, now: number): number {
    const queue = this.queues[lane];
    const limit = Math.min(queue.length, SCAN_LIMIT);
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0, scanned = 0; i < queue.length && scanned < limit; scanned++) {
      const job = queue[i] as Job;
      const { giveUpAt } = job.request;
      // The engine's lanes are all messages: while their rate scope is not ready, neither is any
      // of them, and there is no need to work out each one's scopes (1000/s keeps this loop hot).
      if (lane !== "reply" && job.request.kind === "message" && !job.cancel?.aborted) {
        const rateReadyAt = this.scopes.readyAt(job.request.paid ? this.scopes.paid : this.scopes.bulk, now);
        if (rateReadyAt > now && (giveUpAt === undefined || rateReadyAt <= giveUpAt)) {
          earliest = Math.min(earliest, rateReadyAt);
          i++;
          continue;
        }
      }
      const list = this.scopes.of(job.request, now);
      let at = now;
      for (const scope of list) at = Math.max(at, this.scopes.readyAt(scope, now));
      const withdrawn = job.cancel?.aborted === true;
      // Waiting past its give-up time (a long retry_after, a group's budget): answered with a 429.
      const givenUp = !withdrawn && at > now && giveUpAt !== undefined && at > giveUpAt;
      if (!withdrawn && !givenUp && at > now) {
        earliest = Math.min(earliest, at);
        i++;
        continue;
      }
      queue.splice(i, 1);
      this.waitingCount--;
      if (at <= now && !withdrawn) {
        this.launch(job, list, now);
        continue;
      }
      this.detachCancel(job);
      if (withdrawn) job.reject(new GateWithdrawnError());
      else settleFlood(job, at - now);
    }
    return earliest;
  }

  private arm(at: number): void {
    if (at === Number.POSITIVE_INFINITY) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, Math.ceil(at - this.clock.now())),
    );
  }
}

/** Gives up on a call: its caller gets the 429 as Telegram gave it, or one saying how long it would wait. */
function settleFlood(job: Job, waitMs = 0): void {
  const outcome = job.lastFlood ?? {
    ok: false,
    error_code: 429,
    description: "Too Many Requests: Herald's flood gate would hold this call too long",
    parameters: { retry_after: Math.max(1, Math.ceil(waitMs / 1000)) },
  };
  if (outcome instanceof Error) job.reject(outcome);
  else job.resolve(outcome);
}
