import { byteOffset, EntityParseError, type ParsedText, type UserLookup } from "./html-entities.js";
import { linkUserId, normalizeLink } from "./links.js";
import type { MessageEntity } from "./types.js";

const RESERVED = "_*[]()~`>#+-=|{}.!";

type V2Type =
  | "Bold"
  | "Italic"
  | "Underline"
  | "Strikethrough"
  | "Spoiler"
  | "Code"
  | "Pre"
  | "PreCode"
  | "TextUrl"
  | "CustomEmoji";

interface V2Open {
  type: V2Type;
  argument: string;
  offset: number;
  byteBegin: number;
}

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === "\v";
}

function isEscapable(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const code = ch.charCodeAt(0);
  return code > 0 && code <= 126;
}

function linkEntity(
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
function openPre(source: string, i: number): { next: number; language: string } {
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

/** MarkdownV2 parse_mode, following the rules and error texts of Telegram's parser. */
export function parseMarkdownV2(source: string, lookupUser: UserLookup = () => undefined): ParsedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const open: V2Open[] = [];
  let quoteStart: number | undefined;
  const reserved = (ch: string): never => {
    throw new EntityParseError(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
  };

  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    const top = open.at(-1);
    const inCode = top !== undefined && (top.type === "Code" || top.type === "Pre" || top.type === "PreCode");

    if (ch === "\\" && isEscapable(source[i + 1])) {
      out += source[i + 1];
      i += 2;
      continue;
    }
    const atLineStart = i === 0 || source[i - 1] === "\n";
    if (ch === ">" && atLineStart && !inCode) {
      quoteStart ??= out.length;
      i++;
      continue;
    }
    if (ch === "\n" && quoteStart !== undefined && !inCode && source[i + 1] !== ">") {
      if (out.length > quoteStart)
        entities.push({ type: "blockquote", offset: quoteStart, length: out.length - quoteStart });
      quoteStart = undefined;
    }
    const reservedHere = inCode ? "`" : RESERVED;
    if (!reservedHere.includes(ch)) {
      out += ch;
      i++;
      continue;
    }

    let closes = false;
    if (top) {
      switch (top.type) {
        case "Bold":
          closes = ch === "*";
          break;
        case "Italic":
          closes = ch === "_" && source[i + 1] !== "_";
          break;
        case "Code":
          closes = ch === "`";
          break;
        case "Pre":
        case "PreCode":
          closes = ch === "`" && source[i + 1] === "`" && source[i + 2] === "`";
          break;
        case "TextUrl":
        case "CustomEmoji":
          closes = ch === "]";
          break;
        case "Underline":
          closes = ch === "_" && source[i + 1] === "_";
          break;
        case "Strikethrough":
          closes = ch === "~";
          break;
        case "Spoiler":
          closes = ch === "|" && source[i + 1] === "|";
          break;
      }
    }

    if (!closes) {
      const byteBegin = byteOffset(source, i);
      let type: V2Type;
      let argument = "";
      switch (ch) {
        case "_":
          if (source[i + 1] === "_") {
            type = "Underline";
            i++;
          } else {
            type = "Italic";
          }
          i++;
          break;
        case "*":
          type = "Bold";
          i++;
          break;
        case "~":
          type = "Strikethrough";
          i++;
          break;
        case "|":
          if (source[i + 1] !== "|") return reserved(ch);
          type = "Spoiler";
          i += 2;
          break;
        case "[":
          type = "TextUrl";
          i++;
          break;
        case "`":
          if (source[i + 1] === "`" && source[i + 2] === "`") {
            const pre = openPre(source, i);
            type = pre.language ? "PreCode" : "Pre";
            argument = pre.language;
            i = pre.next;
          } else {
            type = "Code";
            i++;
          }
          break;
        case "!":
          if (source[i + 1] !== "[") return reserved(ch);
          type = "CustomEmoji";
          i += 2;
          break;
        default:
          return reserved(ch);
      }
      open.push({ type, argument, offset: out.length, byteBegin });
      continue;
    }

    const entity = open.pop() as V2Open;
    const offset = entity.offset;
    const length = out.length - offset;
    let made: MessageEntity | undefined;
    switch (entity.type) {
      case "Bold":
        made = { type: "bold", offset, length };
        i++;
        break;
      case "Italic":
        made = { type: "italic", offset, length };
        i++;
        break;
      case "Code":
        made = { type: "code", offset, length };
        i++;
        break;
      case "Strikethrough":
        made = { type: "strikethrough", offset, length };
        i++;
        break;
      case "Underline":
        made = { type: "underline", offset, length };
        i += 2;
        break;
      case "Spoiler":
        made = { type: "spoiler", offset, length };
        i += 2;
        break;
      case "Pre":
        made = { type: "pre", offset, length };
        i += 3;
        break;
      case "PreCode":
        made = { type: "pre", offset, length, language: entity.argument };
        i += 3;
        break;
      case "TextUrl": {
        let url = "";
        if (source[i + 1] !== "(") {
          url = out.slice(offset);
          i++;
        } else {
          i += 2;
          const urlBegin = i;
          while (i < source.length && source[i] !== ")") {
            if (source[i] === "\\" && isEscapable(source[i + 1])) {
              url += source[i + 1];
              i += 2;
              continue;
            }
            url += source[i];
            i++;
          }
          if (source[i] !== ")") {
            throw new EntityParseError(
              `Can't find end of a URL at byte offset ${byteOffset(source, urlBegin)}`,
            );
          }
          i++;
        }
        made = linkEntity(url, offset, length, lookupUser);
        break;
      }
      case "CustomEmoji": {
        if (source[i + 1] !== "(")
          throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
        i += 2;
        let url = "";
        while (i < source.length && source[i] !== ")") {
          if (source[i] === "\\" && isEscapable(source[i + 1])) {
            url += source[i + 1];
            i += 2;
            continue;
          }
          url += source[i];
          i++;
        }
        if (source[i] !== ")")
          throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
        i++;
        const id = /^tg:\/\/emoji\?id=(\d{1,20})$/.exec(url)?.[1];
        if (!id) throw new EntityParseError("Invalid custom emoji identifier specified");
        made = { type: "custom_emoji", offset, length, custom_emoji_id: id };
        break;
      }
    }
    if (made && length > 0) entities.push(made);
  }
  const unclosed = open.at(-1);
  if (unclosed) {
    throw new EntityParseError(
      `Can't find end of ${unclosed.type} entity at byte offset ${unclosed.byteBegin}`,
    );
  }
  if (quoteStart !== undefined && out.length > quoteStart) {
    entities.push({ type: "blockquote", offset: quoteStart, length: out.length - quoteStart });
  }
  return { text: out, entities };
}

/** Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting, minimal escaping. */
export function parseMarkdown(source: string, lookupUser: UserLookup = () => undefined): ParsedText {
  let out = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    const next = source[i + 1];
    if (ch === "\\" && (next === "_" || next === "*" || next === "`" || next === "[")) {
      out += next;
      i += 2;
      continue;
    }
    if (ch !== "_" && ch !== "*" && ch !== "`" && ch !== "[") {
      out += ch;
      i++;
      continue;
    }
    const begin = i;
    const endChar = ch === "[" ? "]" : ch;
    let isPre = false;
    let language = "";
    i++;
    if (ch === "`" && source[i] === "`" && source[i + 1] === "`") {
      const pre = openPre(source, begin);
      isPre = true;
      language = pre.language;
      i = pre.next;
    }
    const offset = out.length;
    while (
      i < source.length &&
      (source[i] !== endChar || (isPre && !(source[i + 1] === "`" && source[i + 2] === "`")))
    ) {
      out += source[i];
      i++;
    }
    if (i >= source.length) {
      throw new EntityParseError(
        `Can't find end of the entity starting at byte offset ${byteOffset(source, begin)}`,
      );
    }
    const length = out.length - offset;
    let made: MessageEntity | undefined;
    if (ch === "_") made = { type: "italic", offset, length };
    else if (ch === "*") made = { type: "bold", offset, length };
    else if (ch === "`") {
      made = isPre
        ? language
          ? { type: "pre", offset, length, language }
          : { type: "pre", offset, length }
        : { type: "code", offset, length };
    } else {
      let url = "";
      if (source[i + 1] !== "(") {
        url = source.slice(begin + 1, i);
      } else {
        i += 2;
        while (i < source.length && source[i] !== ")") {
          url += source[i];
          i++;
        }
      }
      made = linkEntity(url, offset, length, lookupUser);
    }
    if (made && length > 0) entities.push(made);
    i += isPre ? 3 : 1;
  }
  return { text: out, entities };
}
