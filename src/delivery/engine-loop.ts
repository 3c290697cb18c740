import type { Clock } from "../clock.js";
import type { DeliveryStore } from "./delivery-store.js";
import type { EngineState, Row } from "./engine-state.js";
import type { FloodGate } from "./flood-gate.js";

/** How often the dispatcher looks again when it has nothing to do or no room. */
export const TICK_MS = 100;
const UNLIMITED_IN_FLIGHT = 64;
const MAX_IN_FLIGHT = 1024;

export interface LoopDeps {
  state: EngineState;
  store: DeliveryStore;
  gate: FloodGate;
  clock: Clock;
  /** The rate bulk goes out at now. */
  bulkRate(): number;
  /** Sends one row and leaves its result in the state (engine-send.ts). */
  send(row: Row): Promise<void>;
}

/** The engine's loop: claim due rows, pace them through the gate, send, and leave a result for each. */
export function createEngineLoop(deps: LoopDeps) {
  const { state, store, gate, clock } = deps;
  const sending = (row: Row) =>
    row.broadcast_id === null || state.active.get(row.broadcast_id)?.gate === "send";

  function claim(now: number): void {
    const window = claimWindow();
    if (state.transactionalQueue.length < window) {
      state.transactionalQueue.push(...store.claimTransactional(now, window));
    }
    if (state.bulkQueue.length >= window / 2) return;
    // Urgent broadcasts ("we are live") go before the others; otherwise the oldest first.
    const byUrgency = [...state.active.values()].sort((a, b) => Number(b.row.urgent) - Number(a.row.urgent));
    for (const entry of byUrgency) {
      if (entry.gate !== "send" || entry.row.status !== "running") continue;
      const wanted = window - state.bulkQueue.length;
      if (wanted <= 0) break;
      state.bulkQueue.push(...store.claimBroadcast(entry.row.id, now, wanted));
    }
  }

  /** About a quarter-second of sending: small enough that a crash leaves few rows ambiguous. */
  function claimWindow(): number {
    const rate = deps.bulkRate();
    return rate > 0 ? Math.max(4, Math.ceil(rate / 4)) : 500;
  }

  async function dispatch(): Promise<void> {
    while (state.running) {
      // Refill as soon as the queues run dry rather than at the next tick: at no rate limit the
      // tick would otherwise cap the engine at one claim window per tick.
      if (state.transactionalQueue.length === 0 && state.bulkQueue.length === 0) claim(clock.now());
      const row = state.transactionalQueue.shift() ?? state.bulkQueue.shift();
      if (!row) {
        await state.nextSignal(TICK_MS);
        continue;
      }
      if (!sending(row)) {
        state.results.push({ row, kind: "unclaim" });
        continue;
      }
      // The gate paces; the engine keeps a few calls waiting in it, whatever the latency keeps on the wire.
      while (!roomFor(row) && state.running) await state.nextSignal(TICK_MS);
      if (!state.running) {
        state.results.push({ row, kind: "unclaim" });
        break;
      }
      // Its broadcast may have stopped (paused, cancelled, expired, quiet hours) while this row waited.
      if (!sending(row)) {
        state.results.push({ row, kind: "unclaim" });
        continue;
      }
      state.inFlight++;
      void deps.send(row).finally(() => {
        state.inFlight--;
        state.notify();
      });
    }
  }

  /**
   * With a rate, the gate decides when a call goes: the engine keeps about 200 ms of sending waiting in
   * the gate's lane (few rows in memory, so a crash leaves few ambiguous), and as many on the wire as
   * the network's latency needs. With no rate, the number on the wire is the only brake.
   */
  function roomFor(row: Row): boolean {
    const rate = deps.bulkRate();
    if (rate <= 0) return state.inFlight < UNLIMITED_IN_FLIGHT;
    // On the wire: about two seconds' worth, so a hanging outage leaves few calls unanswered (ambiguous).
    const onWireCap = Math.min(MAX_IN_FLIGHT, Math.max(8, Math.ceil(rate * 2)));
    return state.inFlight < onWireCap && gate.waiting(row.lane) < Math.max(4, Math.ceil(rate / 5));
  }

  return { claim, dispatch };
}
