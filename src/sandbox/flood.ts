import type { FloodLimits, SandboxClock } from "./types.js";

export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  bulkPerSecond: 30,
  paidPerSecond: 1000,
  chatPerSecond: 1,
  chatBurst: 3,
  groupPerMinute: 20,
  replyWindowSeconds: 5,
};

/** Ignoring retry_after doubles the wait, but never beyond this. */
const MAX_PENALTY_SECONDS = 60;
/**
 * Requests arriving this soon after a 429 were most likely already in flight when it was sent, so they
 * are refused without extending the wait; only a client that comes back early is punished.
 */
export const IN_FLIGHT_GRACE_MS = 200;
// Float refills can land a hair under a whole token; without slack a client waiting exactly retry_after is refused.
const EPSILON = 1e-9;

export type FloodScope = "bulk" | "paid" | "chat" | "group";

export interface FloodRequest {
  botId: number;
  chatId: number;
  chatType: "private" | "group" | "supergroup";
  /** Sends consume bulk/paid and chat tokens; edits only per-chat/group ones. */
  kind: "message" | "edit";
  paid?: boolean;
}

export type FloodDecision =
  | { ok: true; replyExempt: boolean }
  | { ok: false; scope: FloodScope; retryAfter: number };

export interface FloodModel {
  admit(req: FloodRequest): FloodDecision;
  /** The user of a private chat sent the bot an update now: replies within the window skip bulk. */
  noteUserUpdate(botId: number, chatId: number): void;
  setLimits(l: Partial<FloodLimits>): void;
  readonly limits: FloodLimits;
  reset(): void;
}

interface Bucket {
  tokens: number;
  last: number;
}

interface Penalty {
  until: number;
  waitS: number;
  announcedAt: number;
}

interface Gate {
  scope: FloodScope;
  key: string;
  /** Milliseconds until one message fits; 0 = now. */
  waitMs(now: number): number;
  consume(now: number): void;
}

export function createFloodModel(
  opts: { limits?: Partial<FloodLimits>; clock?: SandboxClock } = {},
): FloodModel {
  const clock = opts.clock ?? { now: () => Date.now() };
  const limits: FloodLimits = { ...DEFAULT_FLOOD_LIMITS };
  const buckets = new Map<string, Bucket>();
  const windows = new Map<string, number[]>();
  const penalties = new Map<string, Penalty>();
  const lastUserUpdate = new Map<string, number>();

  const setLimits = (l: Partial<FloodLimits>): void => {
    for (const [k, v] of Object.entries(l) as Array<[keyof FloodLimits, number | undefined]>) {
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new RangeError(`flood limit ${k} must be a finite number >= 0, got ${String(v)}`);
      }
      limits[k] = v;
    }
  };
  setLimits(opts.limits ?? {});

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

  const windowGate = (key: string, perMinute: number): Gate => {
    const recent = (now: number): number[] => {
      const list = (windows.get(key) ?? []).filter((t) => t > now - 60_000);
      windows.set(key, list);
      return list;
    };
    return {
      scope: "group",
      key,
      waitMs(now) {
        const list = recent(now);
        if (list.length < perMinute) return 0;
        // The slot frees when the message that is perMinute-th from the end leaves the window.
        const oldestBlocking = list[list.length - Math.floor(perMinute)] ?? now;
        return Math.max(1, oldestBlocking + 60_000 - now);
      },
      consume(now) {
        recent(now).push(now);
      },
    };
  };

  const isReplyExempt = (req: FloodRequest, now: number): boolean => {
    if (req.chatType !== "private") return false;
    const last = lastUserUpdate.get(`${req.botId}:${req.chatId}`);
    return last !== undefined && now - last <= limits.replyWindowSeconds * 1000;
  };

  const refuse = (gate: Gate, waitS: number, now: number): FloodDecision => {
    penalties.set(gate.key, { until: now + waitS * 1000, waitS, announcedAt: now });
    return { ok: false, scope: gate.scope, retryAfter: waitS };
  };

  return {
    get limits() {
      return { ...limits };
    },
    setLimits,
    reset() {
      buckets.clear();
      windows.clear();
      penalties.clear();
      lastUserUpdate.clear();
    },
    noteUserUpdate(botId, chatId) {
      lastUserUpdate.set(`${botId}:${chatId}`, clock.now());
    },
    admit(req) {
      const now = clock.now();
      const gates: Gate[] = [];
      if (req.chatType === "private") {
        if (limits.chatPerSecond > 0) {
          gates.push(
            bucketGate("chat", `chat:${req.botId}:${req.chatId}`, limits.chatPerSecond, limits.chatBurst),
          );
        }
      } else if (limits.groupPerMinute > 0) {
        gates.push(windowGate(`group:${req.botId}:${req.chatId}`, limits.groupPerMinute));
      }
      const replyExempt = isReplyExempt(req, now);
      if (req.kind === "message" && !replyExempt) {
        if (req.paid) {
          if (limits.paidPerSecond > 0) {
            gates.push(bucketGate("paid", `paid:${req.botId}`, limits.paidPerSecond, limits.paidPerSecond));
          }
        } else if (limits.bulkPerSecond > 0) {
          gates.push(bucketGate("bulk", `bulk:${req.botId}`, limits.bulkPerSecond, limits.bulkPerSecond));
        }
      }

      // A client that comes back before the announced retry_after is punished with a longer wait.
      for (const gate of gates) {
        const p = penalties.get(gate.key);
        if (!p) continue;
        if (now >= p.until) {
          penalties.delete(gate.key);
          continue;
        }
        if (now - p.announcedAt < IN_FLIGHT_GRACE_MS) {
          return { ok: false, scope: gate.scope, retryAfter: Math.max(1, Math.ceil((p.until - now) / 1000)) };
        }
        const natural = Math.ceil(gate.waitMs(now) / 1000);
        return refuse(gate, Math.max(natural, Math.min(MAX_PENALTY_SECONDS, p.waitS * 2)), now);
      }
      for (const gate of gates) {
        const wait = gate.waitMs(now);
        if (wait > 0) return refuse(gate, Math.max(1, Math.ceil(wait / 1000 - EPSILON)), now);
      }
      for (const gate of gates) gate.consume(now);
      return { ok: true, replyExempt };
    },
  };
}
