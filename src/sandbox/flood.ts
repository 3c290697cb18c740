import {
  type Bucket,
  bucketGate,
  EPSILON,
  type Gate,
  rateWindow,
  sweepGates,
  type TimeLog,
  windowGate,
} from "./flood-gates.js";
import { createScopes, type Scopes, violationOf } from "./flood-scopes.js";
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
/** Stale windows, buckets and scopes are swept after this many admissions. */
const SWEEP_EVERY = 4096;

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
  const scopes = createScopes(clock);
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
  const gatesFor = (req: FloodRequest, replyExempt: boolean): Gate[] =>
    gatesOf(req, replyExempt, {
      model,
      limits,
      bulk: model === "hidden" ? realHiddenRate() : limits.bulkPerSecond,
      buckets,
      logs,
    });

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
      if (++admissions % SWEEP_EVERY === 0) {
        sweepGates(logs, buckets, now);
        scopes.sweep(now);
      }
      const replyExempt = isReplyExempt(req, now);
      return decide(
        gatesFor(req, replyExempt),
        { now, sentAt, receivedSeq: req.receivedSeq, replyExempt },
        scopes,
      );
    },
  };
}

/** The limits a request must pass, by chat type, kind, paid or not, and model (windows or buckets). */
function gatesOf(
  req: FloodRequest,
  replyExempt: boolean,
  m: {
    model: FloodModelName;
    limits: FloodLimits;
    /** The bulk limit in force (the hidden model's real one under "hidden"). */
    bulk: number;
    buckets: Map<string, Bucket>;
    logs: Map<string, TimeLog>;
  },
): Gate[] {
  const { limits, buckets, logs } = m;
  const gates: Gate[] = [];
  const windows = m.model !== "bucket";
  if (req.chatType === "private") {
    if (limits.chatPerSecond > 0) {
      const key = `chat:${req.botId}:${req.chatId}`;
      gates.push(
        windows
          ? rateWindow(logs, "chat", key, limits.chatPerSecond, limits.chatBurst)
          : bucketGate(buckets, "chat", key, limits.chatPerSecond, limits.chatBurst),
      );
    }
  } else if (limits.groupPerMinute > 0) {
    gates.push(windowGate(logs, "group", `group:${req.botId}:${req.chatId}`, limits.groupPerMinute, 60_000));
  }
  if (req.kind !== "message" || replyExempt) return gates;
  if (req.paid) {
    if (limits.paidPerSecond > 0) {
      const key = `paid:${req.botId}`;
      gates.push(
        windows
          ? rateWindow(logs, "paid", key, limits.paidPerSecond, limits.paidPerSecond)
          : bucketGate(buckets, "paid", key, limits.paidPerSecond, limits.paidPerSecond),
      );
    }
    return gates;
  }
  const bulk = m.bulk;
  if (bulk > 0) {
    const key = `bulk:${req.botId}`;
    gates.push(
      windows ? rateWindow(logs, "bulk", key, bulk, bulk) : bucketGate(buckets, "bulk", key, bulk, bulk),
    );
  }
  return gates;
}

/** Admits a request through its gates, or refuses it: a penalty first, then a closed scope, then a full gate. */
function decide(
  gates: Gate[],
  r: { now: number; sentAt: number; receivedSeq: number | undefined; replyExempt: boolean },
  scopes: Scopes,
): FloodDecision {
  const { now, sentAt } = r;
  // Sent after a 429 of its scope reached the client and before that 429's retry_after ended.
  for (const gate of gates) {
    const ignored = scopes.ignoredWait(gate.key, sentAt, r.receivedSeq);
    if (ignored === 0) continue;
    const natural = Math.ceil(gate.waitMs(now) / 1000 - EPSILON);
    const waitS = Math.max(natural, Math.min(MAX_PENALTY_SECONDS, ignored * 2));
    return scopes.refuse(gate, waitS, now, "penalty", true);
  }
  // Already on its way when the scope closed: refused with what is left of the wait, no longer.
  for (const gate of gates) {
    const closedUntil = scopes.closedUntil(gate.key);
    if (now >= closedUntil) continue;
    const overLimit = gate.waitMs(now) > 0;
    const waitS = Math.max(1, Math.ceil((closedUntil - now) / 1000 - EPSILON));
    return scopes.refuse(gate, waitS, now, overLimit ? violationOf(gate.scope) : null, false);
  }
  for (const gate of gates) {
    const wait = gate.waitMs(now);
    if (wait > 0) {
      const waitS = Math.max(1, Math.ceil(wait / 1000 - EPSILON));
      return scopes.refuse(gate, waitS, now, violationOf(gate.scope), true);
    }
  }
  for (const gate of gates) gate.consume(now);
  return { ok: true, replyExempt: r.replyExempt };
}
