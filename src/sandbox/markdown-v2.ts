import { byteOffset, EntityParseError, type ParsedText, type UserLookup } from "./html-entities.js";
import { linkEntity, openPre } from "./markdown-common.js";
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

function isEscapable(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const code = ch.charCodeAt(0);
  return code > 0 && code <= 126;
}

const reserved = (ch: string): never => {
  throw new EntityParseError(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
};

/** Whether `ch` at `i` closes the innermost open entity. */
function closesTop(top: V2Open | undefined, source: string, i: number): boolean {
  const ch = source[i];
  switch (top?.type) {
    case "Bold":
      return ch === "*";
    case "Italic":
      return ch === "_" && source[i + 1] !== "_";
    case "Code":
      return ch === "`";
    case "Pre":
    case "PreCode":
      return ch === "`" && source[i + 1] === "`" && source[i + 2] === "`";
    case "TextUrl":
    case "CustomEmoji":
      return ch === "]";
    case "Underline":
      return ch === "_" && source[i + 1] === "_";
    case "Strikethrough":
      return ch === "~";
    case "Spoiler":
      return ch === "|" && source[i + 1] === "|";
    default:
      return false;
  }
}

/** The entity a reserved character opens, and where its content begins. */
function openEntity(ch: string, source: string, i: number): { type: V2Type; argument: string; next: number } {
  switch (ch) {
    case "_":
      return source[i + 1] === "_"
        ? { type: "Underline", argument: "", next: i + 2 }
        : { type: "Italic", argument: "", next: i + 1 };
    case "*":
      return { type: "Bold", argument: "", next: i + 1 };
    case "~":
      return { type: "Strikethrough", argument: "", next: i + 1 };
    case "|":
      if (source[i + 1] !== "|") return reserved(ch);
      return { type: "Spoiler", argument: "", next: i + 2 };
    case "[":
      return { type: "TextUrl", argument: "", next: i + 1 };
    case "`":
      if (source[i + 1] === "`" && source[i + 2] === "`") {
        const pre = openPre(source, i);
        return { type: pre.language ? "PreCode" : "Pre", argument: pre.language, next: pre.next };
      }
      return { type: "Code", argument: "", next: i + 1 };
    case "!":
      if (source[i + 1] !== "[") return reserved(ch);
      return { type: "CustomEmoji", argument: "", next: i + 2 };
    default:
      return reserved(ch);
  }
}

/** Reads an escaped URL from `i` up to (not including) the closing ")". */
function readUrl(source: string, i: number): { url: string; end: number } {
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
  return { url, end: i };
}

const SIMPLE: Partial<Record<V2Type, { type: MessageEntity["type"]; width: number }>> = {
  Bold: { type: "bold", width: 1 },
  Italic: { type: "italic", width: 1 },
  Code: { type: "code", width: 1 },
  Strikethrough: { type: "strikethrough", width: 1 },
  Underline: { type: "underline", width: 2 },
  Spoiler: { type: "spoiler", width: 2 },
  Pre: { type: "pre", width: 3 },
};

/** The entity that closes at `i` (undefined for a link that makes none), and where parsing goes on. */
function closeEntity(
  entity: V2Open,
  source: string,
  i: number,
  out: string,
  lookupUser: UserLookup,
): { made: MessageEntity | undefined; next: number } {
  const offset = entity.offset;
  const length = out.length - offset;
  const simple = SIMPLE[entity.type];
  if (simple) return { made: { type: simple.type, offset, length } as MessageEntity, next: i + simple.width };
  if (entity.type === "PreCode") {
    return { made: { type: "pre", offset, length, language: entity.argument }, next: i + 3 };
  }
  if (entity.type === "TextUrl") {
    if (source[i + 1] !== "(")
      return { made: linkEntity(out.slice(offset), offset, length, lookupUser), next: i + 1 };
    const urlBegin = i + 2;
    const { url, end } = readUrl(source, urlBegin);
    if (source[end] !== ")") {
      throw new EntityParseError(`Can't find end of a URL at byte offset ${byteOffset(source, urlBegin)}`);
    }
    return { made: linkEntity(url, offset, length, lookupUser), next: end + 1 };
  }
  // CustomEmoji
  if (source[i + 1] !== "(") throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
  const { url, end } = readUrl(source, i + 2);
  if (source[end] !== ")") throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
  const id = /^tg:\/\/emoji\?id=(\d{1,20})$/.exec(url)?.[1];
  if (!id) throw new EntityParseError("Invalid custom emoji identifier specified");
  return { made: { type: "custom_emoji", offset, length, custom_emoji_id: id }, next: end + 1 };
}

/** MarkdownV2 parse_mode, following the rules and error texts of Telegram's parser. */
export function parseMarkdownV2(source: string, lookupUser: UserLookup = () => undefined): ParsedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const open: V2Open[] = [];
  let quoteStart: number | undefined;

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
    if (!closesTop(top, source, i)) {
      const byteBegin = byteOffset(source, i);
      const opened = openEntity(ch, source, i);
      open.push({ type: opened.type, argument: opened.argument, offset: out.length, byteBegin });
      i = opened.next;
      continue;
    }
    const entity = open.pop() as V2Open;
    const closed = closeEntity(entity, source, i, out, lookupUser);
    i = closed.next;
    if (closed.made && out.length - entity.offset > 0) entities.push(closed.made);
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
