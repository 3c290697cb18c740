import type { Api } from "grammy";
import type { BroadcastContent } from "../messages/content.js";
import type { Language } from "../messages/language.js";
import type { RenderedMessage } from "../messages/outgoing.js";
import { type Params, render } from "../messages/render.js";
import { apiSignal } from "./gated-api.js";

export interface SendOptions {
  silent?: boolean;
  paid?: boolean;
  /** The recipient's language: picks the content's translation, if it has one. */
  language?: Language;
  /** Withdraws the send while it still waits in the flood gate. */
  signal?: AbortSignal;
}

/**
 * Sends broadcast content to one chat, rendered with one recipient's parameters. The engine, the
 * cockpit's preview and its test send all go through here, so the organiser sees what attendees get.
 */
export function sendContent(
  api: Api,
  chatId: number,
  content: BroadcastContent,
  params: Params,
  options: SendOptions = {},
): Promise<number> {
  return sendRendered(api, chatId, render(content, params, options.language), options);
}

/** Sends a message already rendered for its recipient (a broadcast's, or one the outbox stored). */
export async function sendRendered(
  api: Api,
  chatId: number,
  message: RenderedMessage,
  options: Omit<SendOptions, "language"> = {},
): Promise<number> {
  const signal = options.signal && apiSignal(options.signal);
  const common = {
    ...(options.silent || message.silent ? { disable_notification: true } : {}),
    ...(options.paid ? { allow_paid_broadcast: true } : {}),
    ...(message.buttons && message.buttons.length > 0
      ? { reply_markup: { inline_keyboard: message.buttons } }
      : {}),
  };
  if (message.kind === "copy") {
    return (await api.copyMessage(chatId, message.fromChatId, message.messageId, common, signal)).message_id;
  }
  if (message.kind === "photo") {
    const caption =
      message.captionHtml !== undefined ? { caption: message.captionHtml, parse_mode: "HTML" as const } : {};
    return (await api.sendPhoto(chatId, message.photo, { ...common, ...caption }, signal)).message_id;
  }
  return (
    await api.sendMessage(
      chatId,
      message.html,
      {
        ...common,
        parse_mode: "HTML",
        ...(message.disablePreview ? { link_preview_options: { is_disabled: true } } : {}),
      },
      signal,
    )
  ).message_id;
}
