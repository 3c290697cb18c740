import { setMaxListeners } from "node:events";
import type { Timers } from "../clock.js";
import type { Broadcast, BroadcastContent } from "./broadcasts.js";
import type { BroadcastGate } from "./time-rules.js";

/** A claimed outbox row, as the engine holds it between claim and result. */
export interface Row {
  id: number;
  job_key: string;
  telegram_id: number;
  lane: "transactional" | "bulk";
  payload: string | null;
  broadcast_id: number | null;
  attempts: number;
  ambiguous: number;
  created_at: number;
}

/** What became of a claimed row; recorded in batches (result-recorder.ts). */
export type Result =
  | { row: Row; kind: "sent"; at: number; messageId: number; paid: boolean }
  | { row: Row; kind: "blocked" | "failed"; error: string }
  | { row: Row; kind: "retry"; error: string; notBefore: number; ambiguous: boolean }
  | { row: Row; kind: "unclaim" };

/** Paid messages in the current wall-clock second, for the Stars cost above the free rate. */
export interface PaidSecond {
  second: number;
  count: number;
}

export interface ActiveBroadcast {
  row: Broadcast;
  content: BroadcastContent;
  gate: BroadcastGate;
  failuresInARow: number;
  /** Of those, failures Telegram may recover from (5xx, timeouts, lost answers). */
  transientInARow: number;
  lastError: string;
  /** Withdraws this broadcast's calls still waiting in the gate when it stops (pause, cancel, expiry). */
  withdraw: AbortController;
  /** Its deadline passed: rows coming back unsent expire instead of going back to pending. */
  expiring: boolean;
  paid: PaidSecond;
  history: Array<{ at: number; sent: number }>;
}

/** What the engine's parts share while it runs: its queues, its results to write, its broadcasts. */
export interface EngineState {
  readonly transactionalQueue: Row[];
  readonly bulkQueue: Row[];
  readonly results: Result[];
  readonly active: Map<number, ActiveBroadcast>;
  running: boolean;
  inFlight: number;
  /** Withdraws the engine's waiting calls at stop. */
  stopping: AbortController;
  /** Wakes the dispatcher now rather than at its next look. */
  notify(): void;
  /** Resolves at the next notify, or after `ms`. */
  nextSignal(ms: number): Promise<void>;
}

/** `timers` wait for the next look (the engine's clock: fake time in tests). */
export function createEngineState(timers: Pick<Timers, "after">): EngineState {
  let signal: (() => void) | undefined;
  return {
    transactionalQueue: [],
    bulkQueue: [],
    results: [],
    active: new Map(),
    running: false,
    inFlight: 0,
    stopping: withdrawController(),
    notify() {
      const wake = signal;
      signal = undefined;
      wake?.();
    },
    nextSignal: (ms) =>
      new Promise<void>((resolve) => {
        const cancel = timers.after(ms, done);
        function done() {
          cancel();
          resolve();
        }
        signal = done;
      }),
  };
}

export function withdrawController(): AbortController {
  const controller = new AbortController();
  // One listener per call waiting in the gate: many is expected, not a leak.
  setMaxListeners(0, controller.signal);
  return controller;
}

/** A row of a broadcast whose deadline passed: it expires rather than going back to pending. */
export function isExpiring(state: EngineState, row: Row): boolean {
  return row.broadcast_id !== null && state.active.get(row.broadcast_id)?.expiring === true;
}
