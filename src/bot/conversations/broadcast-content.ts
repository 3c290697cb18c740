import type { Message } from "grammy/types";
import type { BroadcastContent } from "../../delivery/broadcasts.js";
import { entitiesToHtml } from "../../messages/entities.js";
import { placeholdersIn } from "../../messages/render.js";

/** The organiser's message as broadcast content: a template when it is text or a photo, else a copy. */
export function contentOf(message: Message, chatId: number): BroadcastContent {
  if (message.text !== undefined) {
    return { kind: "text", html: entitiesToHtml(message.text, message.entities) };
  }
  if (message.photo && message.photo.length > 0) {
    const largest = message.photo[message.photo.length - 1] as NonNullable<Message["photo"]>[number];
    return {
      kind: "photo",
      photo: largest.file_id,
      ...(message.caption ? { captionHtml: entitiesToHtml(message.caption, message.caption_entities) } : {}),
    };
  }
  return { kind: "copy", fromChatId: chatId, messageId: message.message_id };
}

export function placeholdersOf(content: BroadcastContent): string[] {
  if (content.kind === "text") return placeholdersIn(content.html);
  if (content.kind === "photo") return placeholdersIn(content.captionHtml ?? "");
  return [];
}

/** A short title for lists and the progress message: the start of the text, without markup. */
export function titleOf(content: BroadcastContent): string {
  const source =
    content.kind === "text" ? content.html : content.kind === "photo" ? (content.captionHtml ?? "📷") : "📎";
  const plain = source
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 40 ? `${plain.slice(0, 39)}…` : plain || "📎";
}

/** Placeholder names as the organiser writes them: "{track}, {hall}". */
export function braces(names: string[]): string {
  return names.map((name) => `{${name}}`).join(", ");
}
