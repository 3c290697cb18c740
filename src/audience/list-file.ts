import { ANSWER_ID_PATTERN } from "./deep-links.js";
import { type Delimiter, decode, detectDelimiter, LINE_BREAK, quote, splitCells } from "./list-lines.js";
import { personalFieldProblem, personalValueProblem } from "./personal-data.js";

/**
 * Reads a CSV or TXT list that an organiser uploads to build a segment of recipients and/or
 * per-recipient attributes (template parameters such as `{hall}`).
 *
 * The function is pure: the caller decides what to store. Because a file with any malformed line
 * must import nothing, every problem is collected (never just the first one), and `entries` is left
 * empty whenever `errors` is not, so a careless caller cannot import half a file.
 */

export type ListKey = "answer_id" | "telegram_id";

export interface ParsedList {
  key: ListKey;
  /**
   * Unique entries in file order. attributes: column name -> value (may be empty object).
   * Always empty when `errors` is not, so the result is all-or-nothing.
   */
  entries: Array<{ value: string; attributes: Record<string, string> }>;
  /** Attribute column names (without the key column), in file order. */
  columns: string[];
  /** Values seen more than once (each listed once), and how many extra lines they took. */
  duplicates: { values: string[]; lines: number };
  /** 1-based line numbers and reasons; non-empty means nothing may be imported. */
  errors: Array<{ line: number; reason: string }>;
}

interface ListError {
  line: number;
  reason: string;
}

interface Header {
  key: ListKey;
  /** Position of the key column; it should be 0, but a misplaced key is still read to avoid noise. */
  keyIndex: number;
  /** Attribute names and the cell positions they are read from. */
  attributes: Array<{ name: string; index: number }>;
  /** Every header cell, for the "expected N cells" message. */
  names: string[];
}

const DEFAULT_MAX_LINES = 200_000;
const MAX_VALUE_LENGTH = 256;
const TELEGRAM_ID_PATTERN = /^[1-9][0-9]{0,14}$/;
const COLUMN_NAME_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
const NO_HEADER_HINT = "add a header line: answer_id,<attribute>,…";

const KEY_ALIASES: ReadonlyMap<string, ListKey> = new Map([
  ["answer_id", "answer_id"],
  ["answer", "answer_id"],
  ["answer_number", "answer_id"],
  ["telegram_id", "telegram_id"],
  ["tg_id", "telegram_id"],
  ["telegram", "telegram_id"],
]);

/** Names Herald fills in itself, so an attribute with that name would be ambiguous in templates. */
const RESERVED_COLUMNS: ReadonlySet<string> = new Set(["answer_id", "ticket_url", "telegram_id"]);

export function parseListFile(content: string | Buffer, options?: { maxLines?: number }): ParsedList {
  const maxLines = options?.maxLines ?? DEFAULT_MAX_LINES;
  const decoded = decode(content);
  if (decoded.badLine !== undefined) {
    // A legacy code page (typically Windows-1251 from Excel) would turn every attribute into mojibake
    // that still passes validation, so the whole file is refused with one actionable error.
    return emptyResult([
      {
        line: decoded.badLine,
        reason: "the file is not UTF-8 text; save it as “CSV UTF-8” and upload again",
      },
    ]);
  }

  const lines = decoded.text.split(LINE_BREAK);
  const errors: ListError[] = [];
  const entries: ParsedList["entries"] = [];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let duplicateLines = 0;
  let delimiter: Delimiter | undefined;
  let header: Header | undefined;
  let firstLineSeen = false;
  let dataLines = 0;

  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;

    delimiter ??= detectDelimiter(raw);
    const split = splitCells(raw, delimiter);

    if (!firstLineSeen) {
      firstLineSeen = true;
      header = readHeader(split.cells, line, errors);
      if (header !== undefined) {
        if (split.error !== undefined) errors.push({ line, reason: split.error });
        continue;
      }
    }

    // Spreadsheets export empty rows as ",,,"; they carry nothing, like a blank line.
    if (split.error === undefined && split.cells.every((cell) => cell.trim() === "")) continue;

    dataLines += 1;
    if (dataLines > maxLines) {
      // Stop reading: the file is refused anyway and the rest would only cost time.
      errors.push({ line, reason: `the file has more than ${maxLines} lines` });
      break;
    }
    if (split.error !== undefined) {
      errors.push({ line, reason: split.error });
      continue;
    }

    const parsed = readDataLine(split.cells, header);
    if (parsed.errors.length > 0) {
      for (const reason of parsed.errors) errors.push({ line, reason });
      continue;
    }
    if (seen.has(parsed.value)) {
      repeated.add(parsed.value);
      duplicateLines += 1;
      continue;
    }
    seen.add(parsed.value);
    entries.push({ value: parsed.value, attributes: parsed.attributes });
  }

  if (dataLines === 0) errors.push({ line: 1, reason: "the file has no values" });
  // Stable sort keeps the per-line order while putting file-level errors where they belong.
  errors.sort((a, b) => a.line - b.line);

  return {
    key: header?.key ?? "answer_id",
    entries: errors.length > 0 ? [] : entries,
    columns: header?.attributes.map((column) => column.name) ?? [],
    duplicates: { values: [...repeated], lines: duplicateLines },
    errors,
  };
}

function emptyResult(errors: ListError[]): ParsedList {
  return { key: "answer_id", entries: [], columns: [], duplicates: { values: [], lines: 0 }, errors };
}

/** Lets "Telegram ID" or "e-mail" be recognised for what they are. */
function normaliseLoosely(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** Returns the header when the line is one, recording its problems against `line`. */
function readHeader(cells: string[], line: number, errors: ListError[]): Header | undefined {
  const loose = cells.map(normaliseLoosely);
  const keyIndex = loose.findIndex((cell) => KEY_ALIASES.has(cell));
  const key = KEY_ALIASES.get(loose[keyIndex] ?? "");
  if (key === undefined) return undefined;
  if (keyIndex !== 0) {
    errors.push({
      line,
      reason: `the key column ${quote(cells[keyIndex]?.trim() ?? "")} must be the first column`,
    });
  }

  // Spreadsheets pad exports with empty columns on the right; they are not misnamed columns.
  let width = cells.length;
  while (width > keyIndex + 1 && cells[width - 1]?.trim() === "") width -= 1;

  const attributes: Header["attributes"] = [];
  const names: string[] = [];
  const taken = new Set<string>();
  for (let index = 0; index < width; index += 1) {
    const name = (cells[index] ?? "").trim().toLowerCase();
    names.push(index === keyIndex ? key : name);
    if (index === keyIndex) continue;
    attributes.push({ name, index });
    const problem = columnProblem(name, index, taken);
    if (problem !== undefined) errors.push({ line, reason: problem });
    taken.add(name);
  }
  return { key, keyIndex, attributes, names };
}

function columnProblem(name: string, index: number, taken: ReadonlySet<string>): string | undefined {
  if (name === "") return `column ${index + 1} has no name`;
  if (RESERVED_COLUMNS.has(name)) return `column ${quote(name)} is a reserved name; rename it`;
  // Herald stores no personal data: such columns are refused (one list for every door), not dropped.
  if (personalFieldProblem(name) !== undefined) {
    return `column ${quote(name)} looks like personal data; Herald stores no personal data, so remove it`;
  }
  if (!COLUMN_NAME_PATTERN.test(name)) {
    return `${quote(name)} is not a valid column name (a-z, 0-9 and _, starting with a letter, up to 32)`;
  }
  if (taken.has(name)) return `column ${quote(name)} appears more than once`;
  return undefined;
}

function readDataLine(
  rawCells: string[],
  header: Header | undefined,
): { value: string; attributes: Record<string, string>; errors: string[] } {
  const cells = rawCells.map((cell) => cell.trim());
  const expected = header?.names.length ?? 1;
  // Tolerate the same right-hand padding as in the header, but only beyond the expected width:
  // "A1," under "answer_id,hall" means an empty hall, not a missing cell.
  while (cells.length > expected && cells[cells.length - 1] === "") cells.pop();

  const errors: string[] = [];
  const attributes: Record<string, string> = {};
  if (header === undefined) {
    if (cells.length > 1) {
      errors.push(`${cells.length} values on one line but no header; ${NO_HEADER_HINT}`);
      return { value: "", attributes, errors };
    }
    const value = cells[0] ?? "";
    const problem = keyProblem("answer_id", value);
    if (problem !== undefined) errors.push(problem);
    return { value, attributes, errors };
  }

  if (cells.length !== expected) {
    errors.push(`expected ${expected} cells (${header.names.join(", ")}), found ${cells.length}`);
    return { value: "", attributes, errors };
  }
  const value = cells[header.keyIndex] ?? "";
  const problem = keyProblem(header.key, value);
  if (problem !== undefined) errors.push(problem);
  for (const column of header.attributes) {
    const cell = cells[column.index] ?? "";
    if (cell.length > MAX_VALUE_LENGTH) {
      errors.push(`the ${column.name} value ${quote(cell)} is longer than ${MAX_VALUE_LENGTH} characters`);
    }
    const personal = personalValueProblem(cell);
    if (personal !== undefined)
      errors.push(`the ${column.name} value ${personal}; Herald stores no personal data`);
    attributes[column.name] = cell;
  }
  return { value, attributes, errors };
}

function keyProblem(key: ListKey, value: string): string | undefined {
  if (key === "answer_id") {
    if (value === "") return "the answer number is empty";
    if (!ANSWER_ID_PATTERN.test(value))
      return `${quote(value)} is not an answer number (letters and digits, up to 40)`;
    return undefined;
  }
  if (value === "") return "the Telegram ID is empty";
  if (!TELEGRAM_ID_PATTERN.test(value)) {
    return `${quote(value)} is not a Telegram ID (a positive whole number, up to 15 digits)`;
  }
  return undefined;
}
