/** Cancels a timer; calling it again, or after the timer fired, does nothing. */
export type Cancel = () => void;

/** What time it is: all that parts which never wait (stores, the flood gate, the sandbox) need. */
export interface Clock {
  now(): number;
}

/** When to do something. */
export interface Timers {
  /** Calls `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Cancel;
  /** Calls `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Cancel;
  sleep(ms: number): Promise<void>;
}

/**
 * A clock that also waits: the engine, the progress watcher and cron take their timers from it, so
 * tests run them on fake time (test/helpers/fake-clock.ts).
 */
export interface TimedClock extends Clock, Timers {}

/** setTimeout fires at once beyond this (about 24.8 days): longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const realTimers: Timers = {
  after(ms, fn) {
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      timer = setTimeout(
        () => (left > MAX_TIMEOUT_MS ? arm(left - MAX_TIMEOUT_MS) : fn()),
        Math.min(left, MAX_TIMEOUT_MS),
      );
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const systemClock: TimedClock = { now: () => Date.now(), ...realTimers };

/** A clock that waits on its own timers if it has them, else on real ones (a shifted or frozen `{ now }`). */
export function timedClock(clock: Clock | TimedClock): TimedClock {
  if ("after" in clock && "every" in clock && "sleep" in clock) return clock;
  return { now: () => clock.now(), ...realTimers };
}
