import { byteOffset, EntityParseError, type ParsedText, type UserLookup } from "./html-entities.js";
import { linkEntity, openPre } from "./markdown-common.js";
import type { MessageEntity } from "./types.js";

export { parseMarkdownV2 } from "./markdown-v2.js";

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
