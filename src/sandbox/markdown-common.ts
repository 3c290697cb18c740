import type { UserLookup } from "./html-entities.js";
import { linkUserId, normalizeLink } from "./links.js";
import type { MessageEntity } from "./types.js";

export function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === "\v";
}

export function linkEntity(
  raw: string,
  offset: number,
  length: number,
  lookupUser: UserLookup,
): MessageEntity | undefined {
  const userId = linkUserId(raw);
  if (userId !== undefined) {
    const user = lookupUser(userId);
    if (user) return { type: "text_mention", offset, length, user };
  }
  const url = normalizeLink(raw);
  return url === undefined ? undefined : { type: "text_link", offset, length, url };
}

/** Skips the language tag and one leading newline after an opening ```, as Telegram does. */
export function openPre(source: string, i: number): { next: number; language: string } {
  let pos = i + 3;
  let language = "";
  let end = pos;
  while (end < source.length && !isSpace(source[end]) && source[end] !== "`") end++;
  if (end !== pos && end < source.length && source[end] !== "`") {
    language = source.slice(pos, end);
    pos = end;
  }
  if (source[pos] === "\n" || source[pos] === "\r") {
    const next = source[pos + 1];
    pos += (next === "\n" || next === "\r") && next !== source[pos] ? 2 : 1;
  }
  return { next: pos, language };
}
