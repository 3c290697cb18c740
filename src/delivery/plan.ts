/** Telegram's free bulk rate, messages per second: above it a paid broadcast pays for each message. */
export const FREE_RATE = 30;
/** Telegram's ceiling for paid broadcasts (allow_paid_broadcast), messages per second. */
export const PAID_MAX_RATE = 1000;
/** What one paid message above the free rate costs: 0.1 Star, counted in tenths to stay in integers. */
export const PAID_MESSAGE_TENTHS = 1;

/**
 * Telegram's price for `messages` sent within `seconds`, in tenths of a Star: each message above the
 * free 30 per second costs 0.1 Star. The engine counts one wall-clock second at a time; the plan card
 * asks it for a whole broadcast.
 */
export function paidTenths(messages: number, seconds: number): number {
  return Math.max(0, messages - FREE_RATE * seconds) * PAID_MESSAGE_TENTHS;
}

/** How fast sending goes now and what is queued ahead (the engine's figures; 0 rate = no limit). */
export interface PlanPace {
  /** The bulk rate in use (lowered after a 429), messages per second; 0 = no limit. */
  freeRate: number;
  /** The same for paid broadcasts. */
  paidRate: number;
  /** Messages still to go out before a broadcast launched now gets its turn. */
  queuedAhead: number;
}

export interface PlanInput {
  /** Recipients. */
  count: number;
  paid: boolean;
  /** When sending starts and when it must be over (Unix ms; null = no deadline). */
  start: number;
  deadline: number | null;
  /** The configured rates, messages per second (BROADCAST_RATE, PAID_BROADCAST_RATE; 0 = no limit). */
  freeRate: number;
  paidRate: number;
  /** The rates in use now and the queue ahead; without it, the configured rates and an empty queue. */
  pace?: PlanPace;
}

export interface PlanEstimate {
  /** The free rate the plan is held against: the configured one, or Telegram's when it has none. */
  freeRate: number;
  /** The rate this broadcast goes at, and how long until it is through (the queue ahead first). */
  rate: number;
  queuedAhead: number;
  etaSeconds: number;
  /** Only with a deadline. */
  deadline: {
    /** Messages per second needed to reach everyone by the deadline. */
    neededRate: number;
    /** Needs more than the free rate: then `paidRate` and `stars` say what paying would give and cost. */
    overFree: boolean;
    paidRate: number;
    /** Whole Stars (rounded up) for the whole audience sent at `paidRate`. */
    stars: number;
    /** Everyone can be reached by then with this plan (paid or not). */
    canMeet: boolean;
  } | null;
}

/** The one estimate of a broadcast's plan: its rate, ETA, the rate a deadline needs, and what paying costs. */
export function estimatePlan(input: PlanInput): PlanEstimate {
  const { count, pace } = input;
  const freeRate = input.freeRate > 0 ? input.freeRate : FREE_RATE;
  const paidRate = input.paidRate > 0 ? input.paidRate : PAID_MAX_RATE;
  const freeNow = pace && pace.freeRate > 0 ? pace.freeRate : freeRate;
  const rate = input.paid ? (pace && pace.paidRate > 0 ? pace.paidRate : paidRate) : freeNow;
  const queuedAhead = pace?.queuedAhead ?? 0;
  // What is queued ahead goes first, at the free rate: a paid broadcast speeds up only its own.
  const etaSeconds = queuedAhead / freeNow + count / rate;
  if (input.deadline === null) return { freeRate, rate, queuedAhead, etaSeconds, deadline: null };
  const seconds = Math.max(1, (input.deadline - input.start) / 1000);
  const neededRate = Math.ceil(count / seconds);
  const overFree = neededRate > freeRate;
  const stars = Math.ceil(paidTenths(count, count / paidRate) / 10);
  const canMeet = !overFree || (input.paid && neededRate <= paidRate);
  return {
    freeRate,
    rate,
    queuedAhead,
    etaSeconds,
    deadline: { neededRate, overFree, paidRate, stars, canMeet },
  };
}
