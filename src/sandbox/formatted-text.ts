import { ApiError } from "./errors.js";
import { EntityParseError, type ParsedText, parseHtml, type UserLookup } from "./html-entities.js";
import { normalizeLink } from "./links.js";
import { parseMarkdown, parseMarkdownV2 } from "./markdown-entities.js";
import type { MessageEntity } from "./types.js";

const ENTITY_TYPES = new Set([
  "mention",
  "hashtag",
  "cashtag",
  "bot_command",
  "url",
  "email",
  "phone_number",
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
  "blockquote",
  "expandable_blockquote",
  "code",
  "pre",
  "text_link",
  "text_mention",
  "custom_emoji",
  "date_time",
]);

/**
 * Applies parse_mode (which wins over explicit entities, as in the Bot API), validates explicit
 * entities, then trims surrounding whitespace the way Telegram does.
 */
export function formatText(
  raw: string,
  parseMode: string | undefined,
  explicitEntities: unknown,
  lookupUser: UserLookup,
): ParsedText {
  let parsed: ParsedText;
  const mode = parseMode?.toLowerCase() ?? "";
  try {
    if (mode === "html") parsed = parseHtml(raw, lookupUser);
    else if (mode === "markdownv2") parsed = parseMarkdownV2(raw, lookupUser);
    else if (mode === "markdown") parsed = parseMarkdown(raw, lookupUser);
    else if (mode === "" || mode === "none")
      parsed = { text: raw, entities: validateEntities(raw, explicitEntities) };
    else throw new ApiError(400, "Bad Request: unsupported parse_mode");
  } catch (err) {
    if (err instanceof EntityParseError)
      throw new ApiError(400, `Bad Request: can't parse entities: ${err.message}`);
    throw err;
  }
  return trimFormatted(parsed);
}

export function validateEntities(text: string, value: unknown): MessageEntity[] {
  if (value === undefined || value === null || value === "") return [];
  let list = value;
  if (typeof list === "string") {
    try {
      list = JSON.parse(list);
    } catch {
      throw new ApiError(400, "Bad Request: can't parse entities JSON object");
    }
  }
  if (!Array.isArray(list)) throw new ApiError(400, "Bad Request: can't parse entities JSON object");
  return list.map((item: unknown, index) => {
    const e = item as Record<string, unknown> | null;
    const where = `Bad Request: can't parse entities: entity ${index}`;
    if (typeof e !== "object" || e === null) throw new ApiError(400, `${where} is not an object`);
    if (typeof e.type !== "string" || !ENTITY_TYPES.has(e.type)) {
      throw new ApiError(400, `${where} has unsupported type ${JSON.stringify(e.type)}`);
    }
    const { offset, length } = e;
    if (!Number.isInteger(offset) || !Number.isInteger(length)) {
      throw new ApiError(400, `${where} must have integer offset and length`);
    }
    const off = offset as number;
    const len = length as number;
    if (off < 0 || len <= 0 || off + len > text.length) {
      throw new ApiError(
        400,
        `${where} (offset ${off}, length ${len}) is out of the text bounds (${text.length} UTF-16 code units)`,
      );
    }
    const entity = { ...e } as unknown as MessageEntity;
    if (e.type === "text_link") {
      const url = typeof e.url === "string" ? normalizeLink(e.url) : undefined;
      if (url === undefined) throw new ApiError(400, `${where} of type text_link has no valid url`);
      (entity as MessageEntity.TextLinkMessageEntity).url = url;
    }
    if (e.type === "text_mention" && (typeof e.user !== "object" || e.user === null)) {
      throw new ApiError(400, `${where} of type text_mention must have a user`);
    }
    if (e.type === "custom_emoji" && typeof e.custom_emoji_id !== "string") {
      throw new ApiError(400, `${where} of type custom_emoji must have a custom_emoji_id`);
    }
    return entity;
  });
}

const TRIMMED = new Set([" ", "\t", "\n", "\r", "\v", "\f"]);

/** Telegram strips leading/trailing whitespace and clips entities to what remains. */
export function trimFormatted({ text, entities }: ParsedText): ParsedText {
  let start = 0;
  let end = text.length;
  while (start < end && TRIMMED.has(text[start] as string)) start++;
  while (end > start && TRIMMED.has(text[end - 1] as string)) end--;
  const out: MessageEntity[] = [];
  for (const e of entities) {
    const from = Math.max(e.offset, start);
    const to = Math.min(e.offset + e.length, end);
    if (to <= from) continue;
    out.push({ ...e, offset: from - start, length: to - from });
  }
  out.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text: text.slice(start, end), entities: out };
}
