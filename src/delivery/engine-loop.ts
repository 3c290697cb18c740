import type { Api } from "grammy";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import type { Params } from "../messages/render.js";
import type { DeliveryStore } from "./delivery-store.js";
import type { ActiveBroadcast, EngineState, Row } from "./engine-state.js";
import { type FloodGate, GateClosedError, GateWithdrawnError } from "./flood-gate.js";
import { apiSignal } from "./gated-api.js";
import { judgeFailure } from "./retry-policy.js";
import { sendContent } from "./send-content.js";

/** How often the dispatcher looks again when it has nothing to do or no room. */
export const TICK_MS = 100;
const UNLIMITED_IN_FLIGHT = 64;
const MAX_IN_FLIGHT = 1024;

export interface LoopDeps {
  state: EngineState;
  store: DeliveryStore;
  gate: FloodGate;
  apis: { transactional: Api; bulk: Api };
  clock: Clock;
  logger: Logger;
  paramsOf(telegramId: number): Params;
  /** The rate bulk goes out at now. */
  bulkRate(): number;
  outage: {
    succeeded(broadcast: ActiveBroadcast): void;
    failed(
      broadcast: ActiveBroadcast,
      failure: { transient: boolean; description: string },
      now: number,
    ): void;
  };
}

/** The engine's loop: claim due rows, pace them through the gate, send, and leave a result for each. */
export function createEngineLoop(deps: LoopDeps) {
  const { state, store, gate, apis, clock, logger } = deps;
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
      void send(row).finally(() => {
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

  async function send(row: Row): Promise<void> {
    const broadcast = row.broadcast_id === null ? undefined : state.active.get(row.broadcast_id);
    // A broadcast's row is never sent as anything but that broadcast's content.
    if (row.broadcast_id !== null && !broadcast) {
      state.results.push({ row, kind: "unclaim" });
      return;
    }
    try {
      const messageId = broadcast
        ? await sendBroadcast(row, broadcast)
        : await sendOutgoing(row, JSON.parse(row.payload ?? "{}") as OutgoingMessage);
      state.results.push({
        row,
        kind: "sent",
        at: clock.now(),
        messageId,
        paid: broadcast?.row.paid ?? false,
      });
      if (broadcast) deps.outage.succeeded(broadcast);
    } catch (error) {
      // Withdrawn while waiting in the gate (paused, cancelled, stopping): it never went out.
      if (error instanceof GateWithdrawnError || error instanceof GateClosedError) {
        state.results.push({ row, kind: "unclaim" });
        return;
      }
      const now = clock.now();
      const verdict = judgeFailure(row, error, now);
      state.results.push(verdict.result);
      if (verdict.final) {
        logger.warn(
          { job: row.job_key, chat_id: row.telegram_id, err: verdict.description },
          "send failed for good",
        );
      }
      if (broadcast && verdict.failure) deps.outage.failed(broadcast, verdict.failure, now);
    }
  }

  async function sendOutgoing(row: Row, message: OutgoingMessage): Promise<number> {
    const sent = await apis.transactional.sendMessage(
      row.telegram_id,
      message.html,
      {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(message.silent ? { disable_notification: true } : {}),
        ...(message.buttons ? { reply_markup: { inline_keyboard: message.buttons } } : {}),
      },
      apiSignal(state.stopping.signal),
    );
    return sent.message_id;
  }

  function sendBroadcast(row: Row, broadcast: ActiveBroadcast): Promise<number> {
    const { content, row: b } = broadcast;
    const language =
      content.kind === "text" && content.localized ? store.languageOf(row.telegram_id) : undefined;
    return sendContent(apis.bulk, row.telegram_id, content, deps.paramsOf(row.telegram_id), {
      silent: b.silent,
      paid: b.paid,
      ...(language ? { language } : {}),
      // One long-lived signal per broadcast (stop() aborts them all): a signal made per send would be
      // held by its sources until the broadcast ends.
      signal: broadcast.withdraw.signal,
    });
  }

  return { claim, dispatch };
}
