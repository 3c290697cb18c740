/* The text layer of an uploaded list: decoding, the delimiter, and one line's cells (list-file.ts reads their meaning). */

export type Delimiter = "," | ";" | "\t";

export const LINE_BREAK = /\r\n|\r|\n/;
const QUOTED_SECTION = /"(?:[^"]|"")*"/g;
const QUOTED_LENGTH = 40;

/** Decodes the upload; `badLine` is where the first invalid UTF-8 byte sits, if any. */
export function decode(content: string | Buffer): { text: string; badLine?: number } {
  if (typeof content === "string") return { text: stripBom(content) };
  try {
    // TextDecoder drops the BOM itself; `fatal` tells a legacy code page apart from real text.
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(content) };
  } catch {
    const lenient = stripBom(content.toString("utf8"));
    const before = lenient.slice(0, Math.max(0, lenient.indexOf("\uFFFD")));
    return { text: lenient, badLine: before.split(LINE_BREAK).length };
  }
}

function stripBom(text: string): string {
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/** Tab wins over `;` wins over `,`: a tab almost never occurs inside a value, a comma often does. */
export function detectDelimiter(line: string): Delimiter {
  const unquoted = line.replace(QUOTED_SECTION, "");
  if (unquoted.includes("\t")) return "\t";
  if (unquoted.includes(";")) return ";";
  return ",";
}

/**
 * Splits one line into cells, RFC 4180 style (double quotes, `""` escapes), without multi-line
 * fields. On a syntax error the cells are still returned, read leniently, so a broken header can
 * still tell which column is the key.
 */
export function splitCells(line: string, delimiter: Delimiter): { cells: string[]; error?: string } {
  const cells: string[] = [];
  let error: string | undefined;
  let position = 0;
  for (;;) {
    const fieldStart = position;
    while (position < line.length && line[position] !== delimiter && isSpace(line[position])) position += 1;

    if (line[position] === '"') {
      position += 1;
      let value = "";
      let closed = false;
      while (position < line.length) {
        const char = line[position];
        if (char === '"') {
          if (line[position + 1] === '"') {
            value += '"';
            position += 2;
            continue;
          }
          closed = true;
          position += 1;
          break;
        }
        value += char;
        position += 1;
      }
      if (!closed) {
        cells.push(value);
        return { cells, error: `a quoted value is not closed: ${quote(value.trim())}` };
      }
      const rest = line.indexOf(delimiter, position);
      const tail = line.slice(position, rest === -1 ? line.length : rest);
      if (tail.trim() !== "") {
        error ??= `unexpected text ${quote(tail.trim())} after a closing quote`;
        value += tail;
      }
      cells.push(value);
      position = rest === -1 ? line.length : rest;
    } else {
      const end = line.indexOf(delimiter, fieldStart);
      cells.push(line.slice(fieldStart, end === -1 ? line.length : end));
      position = end === -1 ? line.length : end;
    }

    if (position >= line.length) break;
    position += 1; // the delimiter; a trailing one yields a final empty cell
  }
  return error === undefined ? { cells } : { cells, error };
}

function isSpace(char: string | undefined): boolean {
  return char === " " || char === "\t";
}

/** Quotes a user value for a message, cut short so one silly cell cannot flood the chat. */
export function quote(text: string): string {
  return `"${text.length > QUOTED_LENGTH ? `${text.slice(0, QUOTED_LENGTH)}…` : text}"`;
}
