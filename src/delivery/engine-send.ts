import type { Api } from "grammy";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import type { Params } from "../messages/render.js";
import type { DeliveryStore } from "./delivery-store.js";
import type { ActiveBroadcast, EngineState, Row } from "./engine-state.js";
import { GateClosedError, GateWithdrawnError } from "./flood-gate.js";
import { judgeFailure } from "./retry-policy.js";
import { sendContent, sendRendered } from "./send-content.js";

export interface SendDeps {
  state: EngineState;
  store: DeliveryStore;
  apis: { transactional: Api; bulk: Api };
  clock: Clock;
  logger: Logger;
  paramsOf(telegramId: number): Params;
  outage: {
    succeeded(broadcast: ActiveBroadcast): void;
    failed(
      broadcast: ActiveBroadcast,
      failure: { transient: boolean; description: string },
      now: number,
    ): void;
  };
}

/**
 * One claimed row on the wire: a ticket or reminder as it was rendered at enqueue, a broadcast's row
 * as its broadcast's content for this recipient. Whatever happens, a result is left for the recorder.
 */
export function createEngineSender(deps: SendDeps) {
  const { state, store, apis, clock, logger } = deps;

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

  /** A ticket or a decision, rendered when it was queued; stored rows never showed a link preview. */
  function sendOutgoing(row: Row, message: OutgoingMessage): Promise<number> {
    return sendRendered(
      apis.transactional,
      row.telegram_id,
      { disablePreview: true, ...message },
      { signal: state.stopping.signal },
    );
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

  return send;
}
