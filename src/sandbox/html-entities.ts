import { linkUserId, normalizeLink } from "./links.js";
import type { MessageEntity } from "./types.js";

/** Thrown with a Telegram-style reason; the caller prefixes "Bad Request: can't parse entities: ". */
export class EntityParseError extends Error {
  override readonly name = "EntityParseError";
}

export interface ParsedText {
  text: string;
  entities: MessageEntity[];
}

/** Resolves tg://user?id= links into text_mention users; unknown ids stay text_link. */
export type UserLookup = (id: number) => MessageEntity.TextMentionMessageEntity["user"] | undefined;

const SUPPORTED_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "s",
  "strike",
  "del",
  "u",
  "ins",
  "tg-spoiler",
  "tg-emoji",
  "span",
  "pre",
  "code",
  "blockquote",
]);

export function byteOffset(source: string, index: number): number {
  return Buffer.byteLength(source.slice(0, index), "utf8");
}

// Telegram's parser treats NUL as end of input and only these as blanks.
function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === "\v" || ch === "\0";
}

function isEnd(source: string, i: number): boolean {
  return i >= source.length || source[i] === "\0";
}

/**
 * Decodes &lt; &gt; &amp; &quot; and numeric references (the semicolon is optional, as in Telegram).
 * Anything else is not an entity: the caller keeps the '&' literally, exactly like Telegram does.
 */
export function decodeHtmlEntity(source: string, pos: number): { char: string; next: number } | undefined {
  if (source[pos] !== "&") return undefined;
  let end = pos + 1;
  let code = 0;
  if (source[pos + 1] === "#") {
    end++;
    if (source[pos + 2] === "x") {
      end++;
      while (end < source.length && /[0-9a-f]/i.test(source[end] ?? "")) {
        code = code * 16 + Number.parseInt(source[end] ?? "0", 16);
        end++;
        if (code > 0x10ffff) break;
      }
    } else {
      while (end < source.length && /[0-9]/.test(source[end] ?? "")) {
        code = code * 10 + Number(source[end]);
        end++;
        if (code > 0x10ffff) break;
      }
    }
    if (code === 0 || code >= 0x10ffff || end - pos >= 10 || (code >= 0xd800 && code <= 0xdfff))
      return undefined;
  } else {
    while (end < source.length && /[a-z]/i.test(source[end] ?? "")) end++;
    const name = source.slice(pos + 1, end);
    const named: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34 };
    const value = named[name];
    if (value === undefined) return undefined;
    code = value;
  }
  return { char: String.fromCodePoint(code), next: source[end] === ";" ? end + 1 : end };
}

/** An attribute's value at `i`: a bare name token (lowercased) or a quoted string with entities decoded. */
function readAttributeValue(source: string, i: number): { value: string; next: number } {
  let value = "";
  const quote = source[i];
  if (quote !== '"' && quote !== "'") {
    const tokenBegin = i;
    while (!isEnd(source, i) && /[a-z0-9.-]/i.test(source[i] ?? "")) i++;
    value = source.slice(tokenBegin, i).toLowerCase();
    if (!isSpace(source[i]) && source[i] !== ">") {
      throw new EntityParseError(
        `Unexpected end of name token at byte offset ${byteOffset(source, tokenBegin)}`,
      );
    }
  } else {
    i++;
    while (!isEnd(source, i) && source[i] !== quote) {
      const decoded = decodeHtmlEntity(source, i);
      if (decoded) {
        value += decoded.char;
        i = decoded.next;
      } else {
        value += source[i];
        i++;
      }
    }
    if (source[i] === quote) i++;
  }
  return { value, next: i };
}

interface OpenTag {
  tag: string;
  argument: string;
  expandable: boolean;
  offset: number;
}

/** Parses Telegram's HTML parse_mode into plain text and entities with UTF-16 offsets. */
export function parseHtml(source: string, lookupUser: UserLookup = () => undefined): ParsedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let i = 0;
  while (!isEnd(source, i)) {
    const ch = source[i] as string;
    if (ch === "&") {
      const decoded = decodeHtmlEntity(source, i);
      if (decoded) {
        out += decoded.char;
        i = decoded.next;
        continue;
      }
    }
    if (ch !== "<") {
      out += ch;
      i++;
      continue;
    }
    const begin = i;
    i++;
    if (source[i] !== "/") {
      while (!isEnd(source, i) && !isSpace(source[i]) && source[i] !== ">") i++;
      if (isEnd(source, i))
        throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(source, begin)}`);
      const tag = source.slice(begin + 1, i).toLowerCase();
      if (!SUPPORTED_TAGS.has(tag)) {
        throw new EntityParseError(
          `Unsupported start tag "${tag}" at byte offset ${byteOffset(source, begin)}`,
        );
      }
      let argument = "";
      let expandable = false;
      while (source[i] !== ">") {
        while (!isEnd(source, i) && isSpace(source[i])) i++;
        if (source[i] === ">") break;
        const attrBegin = i;
        while (!isEnd(source, i) && !isSpace(source[i]) && source[i] !== "=" && source[i] !== ">") i++;
        const attr = source.slice(attrBegin, i).toLowerCase();
        if (attr === "") {
          if (isEnd(source, i)) {
            throw new EntityParseError(
              `Unclosed start tag "${tag}" at byte offset ${byteOffset(source, begin)}`,
            );
          }
          throw new EntityParseError(
            `Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(source, begin)}`,
          );
        }
        while (!isEnd(source, i) && isSpace(source[i])) i++;
        if (source[i] !== "=") {
          if (isEnd(source, i)) {
            throw new EntityParseError(
              `Unclosed start tag "${tag}" at byte offset ${byteOffset(source, begin)}`,
            );
          }
          if (tag === "blockquote" && attr === "expandable") {
            expandable = true;
            continue;
          }
          throw new EntityParseError(
            `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${byteOffset(source, begin)}`,
          );
        }
        i++;
        while (!isEnd(source, i) && isSpace(source[i])) i++;
        if (isEnd(source, i)) {
          throw new EntityParseError(
            `Unclosed start tag "${tag}" at byte offset ${byteOffset(source, begin)}`,
          );
        }
        const read = readAttributeValue(source, i);
        const value = read.value;
        i = read.next;
        if (isEnd(source, i)) {
          throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(source, begin)}`);
        }
        if (tag === "a" && attr === "href") argument = value;
        else if (tag === "code" && attr === "class" && value.startsWith("language-"))
          argument = value.slice(9);
        else if (tag === "span" && attr === "class" && value.startsWith("tg-")) argument = value.slice(3);
        else if (tag === "tg-emoji" && attr === "emoji-id") argument = value;
        else if (tag === "blockquote" && attr === "expandable") expandable = true;
      }
      if (tag === "span" && argument !== "spoiler") {
        throw new EntityParseError(
          `Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, begin)}`,
        );
      }
      open.push({ tag, argument, expandable, offset: out.length });
      i++;
      continue;
    }

    // Closing tag.
    const top = open.at(-1);
    if (!top) throw new EntityParseError(`Unexpected end tag at byte offset ${byteOffset(source, begin)}`);
    i++;
    while (!isEnd(source, i) && !isSpace(source[i]) && source[i] !== ">") i++;
    const endName = source.slice(begin + 2, i).toLowerCase();
    while (!isEnd(source, i) && isSpace(source[i])) i++;
    if (source[i] !== ">")
      throw new EntityParseError(`Unclosed end tag at byte offset ${byteOffset(source, begin)}`);
    if (endName !== "" && endName !== top.tag) {
      throw new EntityParseError(
        `Unmatched end tag at byte offset ${byteOffset(source, begin)}, expected "</${top.tag}>", found "</${endName}>"`,
      );
    }
    i++;
    open.pop();
    const offset = top.offset;
    const length = out.length - offset;
    if (length <= 0) continue;
    const entity = closeTag(top, offset, length, out, open, entities, lookupUser);
    if (entity) entities.push(entity);
  }
  const unclosed = open.at(-1);
  if (unclosed) throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  // A language only survives on the pre entity; a code tag that did not merge into one drops it.
  for (const e of entities) {
    if (e.type === "code" && "language" in e) delete (e as { language?: string }).language;
  }
  return { text: out, entities };
}

function closeTag(
  top: OpenTag,
  offset: number,
  length: number,
  out: string,
  open: OpenTag[],
  entities: MessageEntity[],
  lookupUser: UserLookup,
): MessageEntity | undefined {
  switch (top.tag) {
    case "b":
    case "strong":
      return { type: "bold", offset, length };
    case "i":
    case "em":
      return { type: "italic", offset, length };
    case "u":
    case "ins":
      return { type: "underline", offset, length };
    case "s":
    case "strike":
    case "del":
      return { type: "strikethrough", offset, length };
    case "tg-spoiler":
    case "span":
      return { type: "spoiler", offset, length };
    case "blockquote":
      return { type: top.expandable ? "expandable_blockquote" : "blockquote", offset, length };
    case "tg-emoji": {
      if (!/^\d{1,20}$/.test(top.argument))
        throw new EntityParseError("Invalid custom emoji identifier specified");
      return { type: "custom_emoji", offset, length, custom_emoji_id: top.argument };
    }
    case "a": {
      const raw = top.argument === "" ? out.slice(offset) : top.argument;
      const userId = linkUserId(raw);
      if (userId !== undefined) {
        const user = lookupUser(userId);
        if (user) return { type: "text_mention", offset, length, user };
      }
      const url = normalizeLink(raw);
      return url === undefined ? undefined : { type: "text_link", offset, length, url };
    }
    case "code": {
      const parent = open.at(-1);
      // <pre><code class="language-x"> becomes one pre entity with a language; the pre tag finishes it.
      if (parent?.tag === "pre" && parent.offset === offset && top.argument !== "") {
        return { type: "code", offset, length, language: top.argument } as unknown as MessageEntity;
      }
      return { type: "code", offset, length };
    }
    case "pre": {
      const last = entities.at(-1);
      if (last?.type === "code" && last.offset === offset && last.length === length) {
        entities.pop();
        const language = (last as { language?: string }).language;
        return language ? { type: "pre", offset, length, language } : { type: "pre", offset, length };
      }
      return { type: "pre", offset, length };
    }
    default:
      return undefined;
  }
}
