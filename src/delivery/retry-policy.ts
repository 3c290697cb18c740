import { GrammyError, HttpError } from "grammy";
import type { Result, Row } from "./engine-state.js";

/** Transient failures (5xx, timeouts, lost answers) are retried until the deadline, or this long. */
export const RETRY_HORIZON_MS = 24 * 60 * 60 * 1000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;

/** What a failed send means: the result to record, and whether it counts towards a run of failures. */
export interface FailureVerdict {
  result: Result;
  /** Counts towards its broadcast's run of failures (a 403 or a 429 does not). */
  failure: { transient: boolean; description: string } | null;
  /** Failed for good (not blocked): worth a warning. */
  final: boolean;
  description: string;
}

/** The wait before the next try: exponential, capped, jittered by `random` (0..1). */
export function backoffMs(attempts: number, random: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts, 10)) * (0.5 + random);
}

/**
 * 403 blocks the subscriber for good; 429, 5xx and no answer are retried (with backoff, or after
 * Telegram's retry_after) until the horizon; any other refusal fails the row for good.
 */
export function judgeFailure(row: Row, error: unknown, now: number, random = Math.random): FailureVerdict {
  if (error instanceof GrammyError && error.error_code === 403) {
    return {
      result: { row, kind: "blocked", error: error.description },
      failure: null,
      final: false,
      description: error.description,
    };
  }
  const description =
    error instanceof GrammyError ? error.description : String((error as Error)?.message ?? error);
  // The gate waits out 429s itself; one that still reaches here is Telegram's pacing, not a failure.
  const flood = error instanceof GrammyError && error.error_code === 429;
  // No answer (a timeout, a cut connection) or Telegram's own failure: the message may have arrived.
  // Sent again, flagged, so a duplicate is always one Herald counted as possible.
  const ambiguous = error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
  const transient = flood || ambiguous;
  const failure = flood ? null : { transient, description };
  if (!transient) {
    return { result: { row, kind: "failed", error: description }, failure, final: true, description };
  }
  const waitMs = flood
    ? ((error as GrammyError).parameters.retry_after ?? 1) * 1000
    : backoffMs(row.attempts, random());
  // Retried until the horizon (a broadcast's deadline expires its rows on its own): an outage
  // delays a message, it does not lose it.
  if (now + waitMs < row.created_at + RETRY_HORIZON_MS) {
    return {
      result: { row, kind: "retry", error: description, notBefore: now + waitMs, ambiguous },
      failure,
      final: false,
      description,
    };
  }
  const gaveUp = `gave up after ${RETRY_HORIZON_MS / 3_600_000} h: ${description}`;
  return { result: { row, kind: "failed", error: gaveUp }, failure, final: true, description };
}
