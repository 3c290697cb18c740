import { ApiError, SandboxError } from "../errors.js";
import { validateEntities } from "../formatted-text.js";
import type { ChatRecord, MessageEntity } from "../types.js";

/** Telegram's ceiling for a photo's width or height. */
const MAX_PHOTO_SIDE = 10_000;

// Checks of what a test says a user sends, answered with SandboxError (misuse of the sandbox), not ApiError.

export function commandEntities(text: string): MessageEntity[] | undefined {
  const m = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?/.exec(text);
  return m ? [{ type: "bot_command", offset: 0, length: m[0].length }] : undefined;
}

/** Validates formatting a test gives for a user's text or caption, in Telegram's UTF-16 offsets. */
export function userEntities(what: string, text: string, list: unknown): MessageEntity[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new SandboxError(400, `${what} must be an array of MessageEntity`);
  try {
    return validateEntities(text, list);
  } catch (err) {
    if (err instanceof ApiError)
      throw new SandboxError(400, `${what}: ${err.description.replace(/^Bad Request: /, "")}`);
    throw err;
  }
}

export const byOffset = (a: MessageEntity, b: MessageEntity): number =>
  a.offset - b.offset || b.length - a.length;

export function contentBytes(what: string, content: Buffer | string): Buffer {
  if (typeof content !== "string" && !Buffer.isBuffer(content))
    throw new SandboxError(400, `${what} content must be a Buffer or a string`);
  const data = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
  if (data.length === 0) throw new SandboxError(400, `${what} content must not be empty`);
  return data;
}

export function dimension(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > MAX_PHOTO_SIDE)
    throw new SandboxError(400, `${name} must be an integer from 1 to ${MAX_PHOTO_SIDE}`);
  return v;
}

/** A caption and its entities as the user's client would send them (an empty caption is none). */
export function userCaption(caption: unknown, entities: unknown): Partial<ChatRecord> {
  if (caption !== undefined && typeof caption !== "string")
    throw new SandboxError(400, "caption must be a string");
  if (caption === undefined || caption === "") {
    if (Array.isArray(entities) && entities.length > 0)
      throw new SandboxError(400, "caption_entities need a caption");
    return {};
  }
  const list = userEntities("caption_entities", caption, entities);
  return { caption, ...(list.length > 0 && { caption_entities: list.sort(byOffset) }) };
}
