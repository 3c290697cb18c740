import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Language } from "../messages/language.js";
import { type Params, renderHtml, renderText, renderUrl } from "../messages/render.js";
import type { BroadcastContent, ButtonTemplate, LocalizedContent } from "./broadcasts.js";
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
export async function sendContent(
  api: Api,
  chatId: number,
  content: BroadcastContent,
  params: Params,
  options: SendOptions = {},
): Promise<number> {
  if (content.kind === "text" && options.language && content.localized?.[options.language]) {
    const translation = content.localized[options.language] as LocalizedContent;
    content = {
      ...content,
      html: translation.html ?? content.html,
      ...(translation.buttons ? { buttons: translation.buttons } : {}),
    };
  }
  const signal = options.signal && apiSignal(options.signal);
  const common = {
    ...(options.silent ? { disable_notification: true } : {}),
    ...(options.paid ? { allow_paid_broadcast: true } : {}),
    ...keyboard(content.buttons, params),
  };
  if (content.kind === "copy") {
    return (await api.copyMessage(chatId, content.fromChatId, content.messageId, common, signal)).message_id;
  }
  if (content.kind === "photo") {
    return (
      await api.sendPhoto(
        chatId,
        content.photo,
        {
          ...common,
          ...(content.captionHtml
            ? { caption: renderHtml(content.captionHtml, params), parse_mode: "HTML" }
            : {}),
        },
        signal,
      )
    ).message_id;
  }
  return (
    await api.sendMessage(
      chatId,
      renderHtml(content.html, params),
      {
        ...common,
        parse_mode: "HTML",
        ...(content.disablePreview ? { link_preview_options: { is_disabled: true } } : {}),
      },
      signal,
    )
  ).message_id;
}

function keyboard(
  buttons: ButtonTemplate[][] | undefined,
  params: Params,
): { reply_markup?: InlineKeyboardMarkup } {
  if (!buttons || buttons.length === 0) return {};
  // A recipient who lacks a link's value (no ticket yet) gets the message without that button.
  const rows = buttons
    .map((row) =>
      row
        .map((b) => ({ text: renderText(b.text, params), url: renderUrl(b.url, params) }))
        .filter((b) => b.url !== "" && b.text !== ""),
    )
    .filter((row) => row.length > 0);
  return rows.length > 0 ? { reply_markup: { inline_keyboard: rows } } : {};
}
