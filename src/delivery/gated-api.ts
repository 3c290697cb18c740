import { Api, type Transformer } from "grammy";
import type { FloodGate, GateRequest, Lane } from "./flood-gate.js";

/** Calls Telegram counts as messages to a chat (the bulk lane and the chat's own limit). */
const MESSAGE_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "sendVideo",
  "sendAnimation",
  "sendAudio",
  "sendVoice",
  "sendVideoNote",
  "sendSticker",
  "sendMediaGroup",
  "sendLocation",
  "sendVenue",
  "sendContact",
  "sendPoll",
  "sendDice",
  "sendInvoice",
  "sendPaidMedia",
  "sendGame",
  "copyMessage",
  "copyMessages",
  "forwardMessage",
  "forwardMessages",
]);
/** Calls that count against the chat's (or group's) limit only. */
const EDIT_METHODS = new Set([
  "editMessageText",
  "editMessageCaption",
  "editMessageMedia",
  "editMessageReplyMarkup",
  "editMessageLiveLocation",
]);
/** Calls that may carry a file upload: more time on the wire. */
const UPLOAD_METHODS = new Set([
  "sendDocument",
  "sendPhoto",
  "sendVideo",
  "sendAnimation",
  "sendAudio",
  "sendMediaGroup",
]);
const UPLOAD_TIMEOUT_MS = 60_000;
/** Long polling waits by design; it costs no budget and must never queue behind messages. */
const UNGATED_METHODS = new Set(["getUpdates"]);

/** What a Bot API call costs, from its method and payload. */
export function gateRequestOf(method: string, payload: unknown, lane: Lane, giveUpAt?: number): GateRequest {
  const chat = (payload as { chat_id?: unknown } | undefined)?.chat_id;
  const chatId =
    typeof chat === "number"
      ? chat
      : typeof chat === "string" && /^-?\d+$/.test(chat)
        ? Number(chat)
        : undefined;
  const kind = MESSAGE_METHODS.has(method) ? "message" : EDIT_METHODS.has(method) ? "edit" : "other";
  const paid = (payload as { allow_paid_broadcast?: unknown } | undefined)?.allow_paid_broadcast === true;
  return {
    lane,
    method,
    kind,
    ...(chatId !== undefined && kind !== "other" ? { chatId } : {}),
    ...(paid ? { paid } : {}),
    ...(giveUpAt !== undefined ? { giveUpAt } : {}),
    ...(UPLOAD_METHODS.has(method) ? { timeoutMs: UPLOAD_TIMEOUT_MS } : {}),
  };
}

/**
 * A transformer that sends every call of an Api through the bot's one flood gate. A 429 is waited out
 * inside the gate (its scope closed for everyone); the caller sees it only if `giveUpAfterMs` passes
 * first. The caller's abort signal withdraws a call that is still waiting.
 */
export function gateTransformer(
  gate: FloodGate,
  lane: Lane,
  options: { giveUpAfterMs?: number; now?: () => number } = {},
): Transformer {
  const now = options.now ?? Date.now;
  return (prev, method, payload, signal) => {
    if (UNGATED_METHODS.has(method)) return prev(method, payload, signal);
    const giveUpAt = options.giveUpAfterMs === undefined ? undefined : now() + options.giveUpAfterMs;
    return gate.run(
      gateRequestOf(method, payload, lane, giveUpAt),
      (wireSignal) => prev(method, payload, apiSignal(wireSignal)),
      signal ? { cancel: signal as unknown as AbortSignal } : {},
    );
  };
}

/** A dedicated Api for one lane of the delivery engine, behind the bot's flood gate. */
export function createGatedApi(gate: FloodGate, lane: Lane, token: string, apiRoot: string): Api {
  const api = new Api(token, { apiRoot });
  api.config.use(gateTransformer(gate, lane));
  return api;
}

/** grammY types its abort signals with the abort-controller package's class; Node's is the same at run time. */
export type ApiSignal = Parameters<Api["getMe"]>[0];
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;
