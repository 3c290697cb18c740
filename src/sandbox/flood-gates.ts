import type { FloodScope } from "./flood.js";

// Float refills can land a hair under a whole token; without slack a client waiting exactly retry_after is refused.
export const EPSILON = 1e-9;

export interface Bucket {
  tokens: number;
  last: number;
}

/** Arrival times of admitted messages, oldest first, with a moving head instead of shift(). */
export interface TimeLog {
  times: number[];
  head: number;
  windowMs: number;
}

/** One limit a request must pass: how long until a message fits, and taking its place. */
export interface Gate {
  scope: FloodScope;
  key: string;
  /** Milliseconds until one message fits; 0 = now. */
  waitMs(now: number): number;
  consume(now: number): void;
}

function refill(
  buckets: Map<string, Bucket>,
  key: string,
  rate: number,
  capacity: number,
  now: number,
): Bucket {
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
}

/** A token bucket of `capacity` refilled at `rate` per second (the bucket model). */
export function bucketGate(
  buckets: Map<string, Bucket>,
  scope: FloodScope,
  key: string,
  rate: number,
  capacity: number,
): Gate {
  return {
    scope,
    key,
    waitMs(now) {
      const b = refill(buckets, key, rate, Math.max(1, capacity), now);
      if (b.tokens >= 1 - EPSILON) return 0;
      return ((1 - b.tokens) * 1000) / rate;
    },
    consume(now) {
      const b = refill(buckets, key, rate, Math.max(1, capacity), now);
      b.tokens = Math.max(0, b.tokens - 1);
    },
  };
}

/** At most `capacity` arrivals in any sliding window of `windowMs` (a log of arrival times). */
export function windowGate(
  logs: Map<string, TimeLog>,
  scope: FloodScope,
  key: string,
  capacity: number,
  windowMs: number,
): Gate {
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
}

/** Sliding windows of `capacity` arrivals, as long as `capacity / perSecond` seconds. */
export function rateWindow(
  logs: Map<string, TimeLog>,
  scope: FloodScope,
  key: string,
  perSecond: number,
  capacity: number,
): Gate {
  const cap = Math.max(1, Math.floor(capacity));
  return windowGate(logs, scope, key, cap, (cap / perSecond) * 1000);
}

/** Forgets windows with nothing left in them and buckets idle long enough to be full again. */
export function sweepGates(logs: Map<string, TimeLog>, buckets: Map<string, Bucket>, now: number): void {
  for (const [key, log] of logs) {
    const newest = log.times.at(-1);
    if (newest === undefined || newest <= now - log.windowMs) logs.delete(key);
  }
  for (const [key, b] of buckets) {
    // A bucket idle this long is full again: the same as a fresh one.
    if (now - b.last > 120_000) buckets.delete(key);
  }
}
