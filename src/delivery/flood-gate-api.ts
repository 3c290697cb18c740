import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { FloodClosureStore } from "./flood-closures.js";

/** What callers of the flood gate see: its requests, its options, its errors (the gate is flood-gate.ts). */
export type Lane = "reply" | "transactional" | "bulk";
/** Highest priority first: a reply to a user who just wrote never waits behind a broadcast. */
export const LANES: readonly Lane[] = ["reply", "transactional", "bulk"];

export interface GateRequest {
  lane: Lane;
  method: string;
  /** The chat the call writes to, if any. */
  chatId?: number;
  kind: "message" | "edit" | "other";
  /** Sent with allow_paid_broadcast: counts against the paid rate instead of the free one. */
  paid?: boolean;
  /** A call still waiting (for a closed scope) at this time is answered with the last 429 instead. */
  giveUpAt?: number;
  /** Overrides the request timeout (uploads take longer than a message). */
  timeoutMs?: number;
}

export interface RunOptions {
  /** Withdraws the call while it waits; once on the wire it runs to its answer (or the timeout). */
  cancel?: AbortSignal;
}

export interface GateStats {
  /** 429 answers seen, by the kind of scope the call counted against. */
  floods: { bulk: number; paid: number; chat: number; group: number; other: number };
  /** Times the bulk or paid rate was lowered after a 429. */
  rateDecreases: number;
  timeouts: number;
  waiting: number;
  onWire: number;
}

export interface FloodGate {
  /**
   * Runs `call` when its scopes allow, with a signal that aborts it at the request timeout. An answer
   * that is a 429 closes the scopes and the call waits and runs again (no attempt is lost).
   */
  run<T>(request: GateRequest, call: (signal: AbortSignal) => Promise<T>, options?: RunOptions): Promise<T>;
  /** A user wrote in this private chat (at: when Telegram got it): replies skip the bulk lane for a while. */
  noteUserUpdate(chatId: number, at: number): void;
  /** The bulk (or paid) rate in use, messages per second as sent; 0 = no limit. */
  effectiveRate(paid?: boolean): number;
  /** The configured free and paid rates (the adaptive rate never goes above them). */
  readonly configuredRate: { free: number; paid: number };
  stats(): GateStats;
  /** Calls waiting in a lane (not yet on the wire). */
  waiting(lane: Lane): number;
  /** Aborts calls on the wire that match (stop: do not wait for a hung request). */
  abortOnWire(match?: (request: GateRequest) => boolean): number;
  /** Rejects every waiting call with GateClosedError and aborts those on the wire. */
  close(): void;
}

export interface FloodGateOptions {
  /** Free bulk rate, messages per second (0: no limit). */
  rate: number;
  /** Rate of paid broadcasts (allow_paid_broadcast), up to 1000 (0: no limit). */
  paidRate: number;
  clock: Clock;
  logger?: Logger;
  /**
   * Added to every window (sends this much apart may arrive closer together). The least margin: after
   * a 429 on a rate lane the gate widens it by JITTER_STEP_MS, as far as half the spread of the answer
   * times it measures (p5..p95) allows, up to MAX_JITTER_MS, before it lowers the rate.
   */
  jitterMarginMs?: number;
  /** Every call on the wire is aborted after this long (counted ambiguous by the engine). */
  requestTimeoutMs?: number;
  /**
   * Keeps closed scopes across a restart: loaded when the gate is made, written on every 429. A
   * process killed inside a long retry_after must not come back sending into it.
   */
  closures?: FloodClosureStore;
  /** Test hook: how to tell a flood answer; default: a raw Bot API response or a GrammyError with 429. */
  floodOf?: (outcome: unknown) => number | undefined;
}

export class GateClosedError extends Error {
  override readonly name = "GateClosedError";
  constructor() {
    super("the flood gate is closed (Herald is stopping)");
  }
}

export class GateWithdrawnError extends Error {
  override readonly name = "GateWithdrawnError";
  constructor() {
    super("the call was withdrawn before it was sent");
  }
}

/** retry_after (seconds) of a 429, from a raw Bot API response or an error carrying one. */
export function retryAfterOf(outcome: unknown): number | undefined {
  if (typeof outcome !== "object" || outcome === null) return undefined;
  const o = outcome as { ok?: unknown; error_code?: unknown; parameters?: { retry_after?: unknown } };
  if (o.ok === true || o.error_code !== 429) return undefined;
  const retryAfter = o.parameters?.retry_after;
  return typeof retryAfter === "number" && retryAfter >= 0 ? retryAfter : 1;
}
