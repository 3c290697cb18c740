import type { Broadcast } from "./broadcasts.js";
import type { BroadcastGate } from "./time-rules.js";

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

/** How many were sent when: the measured rate is taken over this window. */
export type SentHistory = Array<{ at: number; sent: number }>;

const RATE_WINDOW_MS = 5000;

/** Adds the figure of `now` and forgets what falls out of the rate's window (keeping at least one). */
export function recordSent(history: SentHistory, now: number, sent: number): void {
  history.push({ at: now, sent });
  while (history.length > 1 && now - (history[0]?.at ?? now) > RATE_WINDOW_MS) history.shift();
}

/** A broadcast's progress, from its stored row and its recent history alone. */
export function progressFigures(input: {
  row: Broadcast;
  history: SentHistory;
  now: number;
  status: string;
  gate: BroadcastGate;
  /** The rate its lane is paced at now. */
  effectiveRate: number;
}): BroadcastProgress {
  const { row: b, history, now, effectiveRate } = input;
  const first = history[0];
  const seconds = first ? (now - first.at) / 1000 : 0;
  const rate = first && seconds > 0 ? (b.sent - first.sent) / seconds : 0;
  const done = b.sent + b.failed + b.blocked + b.expired;
  const remaining = Math.max(0, b.total - done);
  // Until enough has been sent to measure, the ETA uses the rate the engine paces at.
  const etaRate = rate > 0 ? rate : effectiveRate;
  return {
    broadcastId: b.id,
    title: b.title,
    status: input.status,
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
    waiting: input.gate === "quiet" ? "quiet_hours" : input.gate === "not_yet" ? "scheduled" : null,
    starsCost: b.starsCost / 10,
  };
}
