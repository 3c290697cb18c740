import type { FloodLimits, FloodModelName, SandboxClock, ViolationKind } from "./types.js";

export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  bulkPerSecond: 30,
  paidPerSecond: 1000,
  chatPerSecond: 1,
  chatBurst: 3,
  groupPerMinute: 20,
  replyWindowSeconds: 5,
};

export const FLOOD_MODELS: readonly FloodModelName[] = ["strict", "bucket", "hidden", "jitter"];

export function isFloodModelName(v: unknown): v is FloodModelName {
  return typeof v === "string" && (FLOOD_MODELS as readonly string[]).includes(v);
}

/** The hidden model's real bulk limit when none is given: a fifth below the nominal one. */
export function defaultHiddenRate(bulkPerSecond: number): number {
  return bulkPerSecond > 0 ? Math.max(1, Math.floor(bulkPerSecond * 0.8)) : 24;
}

/** Ignoring retry_after doubles the wait, but never beyond this. */
const MAX_PENALTY_SECONDS = 60;
/** How far back a request's send time may lie behind its arrival; older 429 answers are forgotten. */
const MEMORY_MS = 120_000;
/** Stale windows, buckets and scopes are swept after this many admissions. */
const SWEEP_EVERY = 4096;
// Float refills can land a hair under a whole token; without slack a client waiting exactly retry_after is refused.
const EPSILON = 1e-9;

export type FloodScope = "bulk" | "paid" | "chat" | "group";

export interface FloodRequest {
  botId: number;
  chatId: number;
  chatType: "private" | "group" | "supergroup";
  /** Sends count against bulk/paid and per-chat/group limits; edits only against per-chat/group ones. */
  kind: "message" | "edit";
  paid?: boolean;
  /**
   * When the client sent it (the sandbox received it on its socket), clock ms; default: now. The
   * request is admitted at the clock's now, its arrival, which may be later by the inbound latency.
   */
  sentAt?: number;
  /**
   * The order in which the sandbox received it (a counter). When both this and the 429's delivery
   * carry one, "received after the 429 was delivered" is decided by order, not by milliseconds.
   */
  receivedSeq?: number;
}

/** A 429: which limit refused it, for how long, and whether it was a real violation. */
export interface FloodRefusal {
  ok: false;
  scope: FloodScope;
  retryAfter: number;
  /**
   * What the client did wrong: a send over a limit ("bulk" includes paid, "perChat", "group"), or a
   * "penalty" (sent after it had this scope's 429 answer and before its retry_after ended). null: a
   * request that was already on its way when the scope closed and is refused only by the closure.
   */
  violation: ViolationKind | null;
  /**
   * The answer reached the client's socket at `at` (default now), after the request numbered `seq`
   * had been received. Only from then on does the client know; an answer that never reaches it
   * (lost, or the client hung up) makes nothing a penalty.
   */
  delivered(at?: number, seq?: number): void;
}

export type FloodDecision = { ok: true; replyExempt: boolean } | FloodRefusal;

export interface FloodModel {
  admit(req: FloodRequest): FloodDecision;
  /** The user of a private chat sent the bot an update now: replies within the window skip bulk. */
  noteUserUpdate(botId: number, chatId: number): void;
  setLimits(l: Partial<FloodLimits>): void;
  readonly limits: FloodLimits;
  /**
   * Switches the model; windows, buckets and closed scopes start afresh (reply windows are kept).
   * `hiddenRate` is the hidden model's real bulk limit (default: see defaultHiddenRate).
   */
  setModel(model: FloodModelName, opts?: { hiddenRate?: number }): void;
  readonly model: FloodModelName;
  /** The real bulk limit under the hidden model. */
  readonly hiddenRate: number;
  reset(): void;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** Arrival times of admitted messages, oldest first, with a moving head instead of shift(). */
interface TimeLog {
  times: number[];
  head: number;
  windowMs: number;
}

/** A 429 answer the client received: it was told to keep away from its delivery until `until`. */
interface Told {
  deliveredAt: number;
  /** Requests received up to this number were already on their way when it was delivered. */
  deliveredSeq: number | undefined;
  until: number;
  waitS: number;
}

interface ScopeState {
  /** Nothing of this scope is admitted before this (a limit refusal or a penalty closed it). */
  closedUntil: number;
  /** Delivered 429 answers, in delivery order (so by deliveredAt). */
  told: Told[];
}

interface Gate {
  scope: FloodScope;
  key: string;
  /** Milliseconds until one message fits; 0 = now. */
  waitMs(now: number): number;
  consume(now: number): void;
}

const violationOf = (scope: FloodScope): ViolationKind =>
  scope === "chat" ? "perChat" : scope === "group" ? "group" : "bulk";

export function createFloodModel(
  opts: {
    limits?: Partial<FloodLimits>;
    clock?: SandboxClock;
    model?: FloodModelName;
    hiddenRate?: number;
  } = {},
): FloodModel {
  const clock = opts.clock ?? { now: () => Date.now() };
  const limits: FloodLimits = { ...DEFAULT_FLOOD_LIMITS };
  let model: FloodModelName = "strict";
  let hiddenRate: number | undefined;
  const buckets = new Map<string, Bucket>();
  const logs = new Map<string, TimeLog>();
  const scopes = new Map<string, ScopeState>();
  const lastUserUpdate = new Map<string, number>();
  let admissions = 0;

  const setLimits = (l: Partial<FloodLimits>): void => {
    for (const [k, v] of Object.entries(l) as Array<[keyof FloodLimits, number | undefined]>) {
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new RangeError(`flood limit ${k} must be a finite number >= 0, got ${String(v)}`);
      }
      limits[k] = v;
    }
  };

  const clearWindows = (): void => {
    buckets.clear();
    logs.clear();
    scopes.clear();
  };

  const setModel = (next: FloodModelName, o: { hiddenRate?: number } = {}): void => {
    if (!isFloodModelName(next)) {
      throw new RangeError(`flood model must be one of ${FLOOD_MODELS.join(", ")}, got ${String(next)}`);
    }
    const rate = o.hiddenRate;
    if (rate !== undefined && (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0)) {
      throw new RangeError(`hiddenRate must be a number of messages per second > 0, got ${String(rate)}`);
    }
    if (rate !== undefined) hiddenRate = rate;
    if (next !== model) clearWindows();
    model = next;
  };

  setLimits(opts.limits ?? {});
  setModel(opts.model ?? "strict", opts.hiddenRate === undefined ? {} : { hiddenRate: opts.hiddenRate });

  const realHiddenRate = (): number => hiddenRate ?? defaultHiddenRate(limits.bulkPerSecond);

  // --- gates -------------------------------------------------------------------------------------------

  const refill = (key: string, rate: number, capacity: number, now: number): Bucket => {
    let b = buckets.get(key);
    if (!b) {
      b = { tokens: capacity, last: now };
      buckets.set(key, b);
      return b;
    }
    const elapsed = Math.max(0, now - b.last);
    b.tokens = Math.min(capacity, b.tokens + (elapsed * rate) / 1000);
    b.last = now;
    return b;
  };

  const bucketGate = (scope: FloodScope, key: string, rate: number, capacity: number): Gate => ({
    scope,
    key,
    waitMs(now) {
      const b = refill(key, rate, Math.max(1, capacity), now);
      if (b.tokens >= 1 - EPSILON) return 0;
      return ((1 - b.tokens) * 1000) / rate;
    },
    consume(now) {
      const b = refill(key, rate, Math.max(1, capacity), now);
      b.tokens = Math.max(0, b.tokens - 1);
    },
  });

  /** At most `capacity` arrivals in any sliding window of `windowMs` (a log of arrival times). */
  const windowGate = (scope: FloodScope, key: string, capacity: number, windowMs: number): Gate => {
    const cap = Math.max(1, Math.floor(capacity));
    const recent = (now: number): TimeLog => {
      let log = logs.get(key);
      if (!log) {
        log = { times: [], head: 0, windowMs };
        logs.set(key, log);
      }
      log.windowMs = windowMs;
      while (log.head < log.times.length && (log.times[log.head] ?? 0) <= now - windowMs) log.head++;
      if (log.head > 256 && log.head * 2 > log.times.length) {
        log.times = log.times.slice(log.head);
        log.head = 0;
      }
      return log;
    };
    return {
      scope,
      key,
      waitMs(now) {
        const log = recent(now);
        const inWindow = log.times.length - log.head;
        if (inWindow < cap) return 0;
        // One more fits when the arrival that is cap-th from the end leaves the window.
        const oldestBlocking = log.times[log.times.length - cap] ?? now;
        return Math.max(1, oldestBlocking + windowMs - now);
      },
      consume(now) {
        recent(now).times.push(now);
      },
    };
  };

  /** Sliding windows of `capacity` arrivals, as long as `capacity / perSecond` seconds. */
  const rateWindow = (scope: FloodScope, key: string, perSecond: number, capacity: number): Gate => {
    const cap = Math.max(1, Math.floor(capacity));
    return windowGate(scope, key, cap, (cap / perSecond) * 1000);
  };

  const gatesFor = (req: FloodRequest, replyExempt: boolean): Gate[] => {
    const gates: Gate[] = [];
    const windows = model !== "bucket";
    if (req.chatType === "private") {
      if (limits.chatPerSecond > 0) {
        const key = `chat:${req.botId}:${req.chatId}`;
        gates.push(
          windows
            ? rateWindow("chat", key, limits.chatPerSecond, limits.chatBurst)
            : bucketGate("chat", key, limits.chatPerSecond, limits.chatBurst),
        );
      }
    } else if (limits.groupPerMinute > 0) {
      gates.push(windowGate("group", `group:${req.botId}:${req.chatId}`, limits.groupPerMinute, 60_000));
    }
    if (req.kind !== "message" || replyExempt) return gates;
    if (req.paid) {
      if (limits.paidPerSecond > 0) {
        const key = `paid:${req.botId}`;
        gates.push(
          windows
            ? rateWindow("paid", key, limits.paidPerSecond, limits.paidPerSecond)
            : bucketGate("paid", key, limits.paidPerSecond, limits.paidPerSecond),
        );
      }
      return gates;
    }
    const bulk = model === "hidden" ? realHiddenRate() : limits.bulkPerSecond;
    if (bulk > 0) {
      const key = `bulk:${req.botId}`;
      gates.push(windows ? rateWindow("bulk", key, bulk, bulk) : bucketGate("bulk", key, bulk, bulk));
    }
    return gates;
  };

  // --- closed scopes and penalties ---------------------------------------------------------------------

  const scopeOf = (key: string): ScopeState => {
    let s = scopes.get(key);
    if (!s) {
      s = { closedUntil: 0, told: [] };
      scopes.set(key, s);
    }
    return s;
  };

  const sentAfter = (t: Told, sentAt: number, receivedSeq: number | undefined): boolean =>
    receivedSeq !== undefined && t.deliveredSeq !== undefined
      ? receivedSeq > t.deliveredSeq
      : sentAt >= t.deliveredAt;

  /** The longest wait among delivered 429 answers that this send ignored; 0 = none (not a penalty). */
  const ignoredWait = (key: string, sentAt: number, receivedSeq: number | undefined): number => {
    const s = scopes.get(key);
    if (!s) return 0;
    let waitS = 0;
    for (let i = s.told.length - 1; i >= 0; i--) {
      const t = s.told[i];
      if (!t || !sentAfter(t, sentAt, receivedSeq)) continue;
      if (sentAt < t.until) waitS = Math.max(waitS, t.waitS);
    }
    return waitS;
  };

  const refuse = (
    gate: Gate,
    waitS: number,
    now: number,
    violation: ViolationKind | null,
    closes: boolean,
  ): FloodRefusal => {
    const until = now + waitS * 1000;
    if (closes) {
      const s = scopeOf(gate.key);
      s.closedUntil = Math.max(s.closedUntil, until);
    }
    let delivered = false;
    return {
      ok: false,
      scope: gate.scope,
      retryAfter: waitS,
      violation,
      delivered(at = clock.now(), seq) {
        if (delivered) return;
        delivered = true;
        const s = scopeOf(gate.key);
        const last = s.told.at(-1);
        // 429 storms stay small. An answer that tells no more than the previous one adds nothing; one
        // with the same wait that arrives while the previous is still in force extends it exactly
        // (every send between the two deliveries is covered by the previous one anyway).
        if (last && last.until >= until && last.waitS >= waitS) return;
        if (last && last.waitS === waitS && Math.max(at, last.deliveredAt) < last.until) {
          last.until = until;
          return;
        }
        s.told.push({
          deliveredAt: Math.max(at, last?.deliveredAt ?? at),
          deliveredSeq: seq === undefined ? undefined : Math.max(seq, last?.deliveredSeq ?? seq),
          until,
          waitS,
        });
      },
    };
  };

  const sweep = (now: number): void => {
    for (const [key, log] of logs) {
      const newest = log.times.at(-1);
      if (newest === undefined || newest <= now - log.windowMs) logs.delete(key);
    }
    for (const [key, b] of buckets) {
      // A bucket idle this long is full again: the same as a fresh one.
      if (now - b.last > 120_000) buckets.delete(key);
    }
    for (const [key, s] of scopes) {
      s.told = s.told.filter((t) => t.until > now - MEMORY_MS);
      if (s.told.length === 0 && s.closedUntil <= now) scopes.delete(key);
    }
  };

  const isReplyExempt = (req: FloodRequest, now: number): boolean => {
    if (req.chatType !== "private") return false;
    const last = lastUserUpdate.get(`${req.botId}:${req.chatId}`);
    return last !== undefined && now - last <= limits.replyWindowSeconds * 1000;
  };

  return {
    get limits() {
      return { ...limits };
    },
    get model() {
      return model;
    },
    get hiddenRate() {
      return realHiddenRate();
    },
    setLimits,
    setModel,
    reset() {
      clearWindows();
      lastUserUpdate.clear();
    },
    noteUserUpdate(botId, chatId) {
      lastUserUpdate.set(`${botId}:${chatId}`, clock.now());
    },
    admit(req) {
      const now = clock.now();
      const sentAt = Math.min(req.sentAt ?? now, now);
      if (++admissions % SWEEP_EVERY === 0) sweep(now);
      const replyExempt = isReplyExempt(req, now);
      const gates = gatesFor(req, replyExempt);

      // Sent after a 429 of its scope reached the client and before that 429's retry_after ended.
      for (const gate of gates) {
        const ignored = ignoredWait(gate.key, sentAt, req.receivedSeq);
        if (ignored === 0) continue;
        const natural = Math.ceil(gate.waitMs(now) / 1000 - EPSILON);
        const waitS = Math.max(natural, Math.min(MAX_PENALTY_SECONDS, ignored * 2));
        return refuse(gate, waitS, now, "penalty", true);
      }
      // Already on its way when the scope closed: refused with what is left of the wait, no longer.
      for (const gate of gates) {
        const closedUntil = scopes.get(gate.key)?.closedUntil ?? 0;
        if (now >= closedUntil) continue;
        const overLimit = gate.waitMs(now) > 0;
        const waitS = Math.max(1, Math.ceil((closedUntil - now) / 1000 - EPSILON));
        return refuse(gate, waitS, now, overLimit ? violationOf(gate.scope) : null, false);
      }
      for (const gate of gates) {
        const wait = gate.waitMs(now);
        if (wait > 0) {
          const waitS = Math.max(1, Math.ceil(wait / 1000 - EPSILON));
          return refuse(gate, waitS, now, violationOf(gate.scope), true);
        }
      }
      for (const gate of gates) gate.consume(now);
      return { ok: true, replyExempt };
    },
  };
}
