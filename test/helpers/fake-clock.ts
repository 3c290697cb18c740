import type { Cancel, TimedClock } from "../../src/clock.js";

/**
 * Time that moves only when a test moves it. Timers fire in order of their due time as time passes
 * them, each seeing `now()` at its own due time.
 */
export interface FakeClock extends TimedClock {
  /** Sets the time without firing timers (a jump in the wall clock, e.g. to the next morning). */
  set(ms: number): void;
  /** Moves time forward by `ms`, firing every timer that falls due on the way, at once. */
  advance(ms: number): void;
  /**
   * Like `advance`, but lets promise callbacks and I/O callbacks run before each timer, so the work
   * one timer starts (a tick, a flush, a send) settles before the next fires.
   */
  run(ms: number): Promise<void>;
  /** Timers waiting to fire. */
  pending(): number;
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  /** Fires again this long after each call; undefined for a one-off. */
  every: number | undefined;
}

export function createFakeClock(start = Date.UTC(2026, 10, 21, 9, 0, 0)): FakeClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, Timer>();

  function schedule(ms: number, fn: () => void, every?: number): Cancel {
    const id = nextId++;
    timers.set(id, { id, at: now + Math.max(0, ms), fn, every });
    return () => timers.delete(id);
  }

  function nextDue(until: number): Timer | undefined {
    let due: Timer | undefined;
    for (const timer of timers.values()) {
      if (timer.at <= until && (!due || timer.at < due.at || (timer.at === due.at && timer.id < due.id))) {
        due = timer;
      }
    }
    return due;
  }

  function fire(due: Timer) {
    now = Math.max(now, due.at);
    if (due.every === undefined) timers.delete(due.id);
    // After a jump (set), a repeating timer fires once, late, as setInterval does; it does not catch up.
    else due.at = Math.max(due.at, now) + Math.max(1, due.every);
    due.fn();
  }

  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance(ms) {
      const until = now + ms;
      for (let due = nextDue(until); due; due = nextDue(until)) fire(due);
      now = Math.max(now, until);
    },
    async run(ms) {
      const until = now + ms;
      await settle();
      for (let due = nextDue(until); due; due = nextDue(until)) {
        fire(due);
        await settle();
      }
      now = Math.max(now, until);
    },
    pending: () => timers.size,
    after: (ms, fn) => schedule(ms, fn),
    every: (ms, fn) => schedule(ms, fn, ms),
    sleep: (ms) => new Promise<void>((resolve) => schedule(ms, resolve)),
  };
}
