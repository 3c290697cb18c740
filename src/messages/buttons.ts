import type { ButtonTemplate } from "./content.js";
import { PLACEHOLDER, placeholdersIn } from "./placeholders.js";
import { buttonUrlProblem } from "./telegram-url.js";

/** Limits that keep a keyboard readable on a phone, well under what Telegram itself accepts. */
const MAX_BUTTONS_PER_ROW = 8;
const MAX_ROWS = 10;
const MAX_LABEL_LENGTH = 64;

const WHOLE_PLACEHOLDER = new RegExp(`^${PLACEHOLDER.source}$`);
const ALLOWED_PROTOCOLS = new Set(["http:", "https:", "tg:"]);

export interface ButtonError {
  /** 1-based, counting every line of the input, blank ones too, so it matches what the organiser sees. */
  line: number;
  reason: string;
}

export type ParsedButtons = { ok: true; rows: ButtonTemplate[][] } | { ok: false; errors: ButtonError[] };

/**
 * Reads URL buttons an organiser typed: one row per line, `Label - URL` per button, several buttons in
 * a row joined by ` && `. Every problem is reported, not just the first, so one reply can list them all.
 * Input with no buttons at all is valid and gives no rows.
 */
export function parseButtons(input: string): ParsedButtons {
  const rows: ButtonTemplate[][] = [];
  const errors: ButtonError[] = [];
  let rowCount = 0;

  input.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "") return;

    rowCount += 1;
    if (rowCount === MAX_ROWS + 1) {
      errors.push({ line, reason: `there are more than ${MAX_ROWS} rows of buttons` });
    }

    // `&&` only counts as a separator with space around it, since a URL may contain `&&` itself.
    const parts = trimmed.split(/(?:^|\s+)&&(?:\s+|$)/);
    if (parts.length > MAX_BUTTONS_PER_ROW) {
      errors.push({
        line,
        reason: `the row has ${parts.length} buttons, but at most ${MAX_BUTTONS_PER_ROW} fit in one row`,
      });
    }

    const row: ButtonTemplate[] = [];
    for (const part of parts) {
      const parsed = parseButton(part.trim());
      if (typeof parsed === "string") errors.push({ line, reason: parsed });
      else row.push(parsed);
    }
    rows.push(row);
  });

  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}

/** Every placeholder the buttons use, in labels and links, each once, for checking them before launch. */
export function placeholdersInButtons(rows: ButtonTemplate[][]): string[] {
  const names = rows
    .flat()
    .flatMap((button) => [...placeholdersIn(button.text), ...placeholdersIn(button.url)]);
  return [...new Set(names)];
}

/** The button, or why it is not one. */
function parseButton(part: string): ButtonTemplate | string {
  if (part === "") return 'there is an empty button around "&&"';

  // The last separator wins: a label may well contain " - ", a link never has spaces. The padding lets
  // "- URL" and "Label -" count as a missing label or link rather than a missing separator.
  const padded = ` ${part} `;
  const at = Math.max(padded.lastIndexOf(" - "), padded.lastIndexOf(" | "));
  if (at === -1) return `no " - " between the label and the link in "${part}"`;

  const text = padded.slice(0, at).trim();
  const url = padded.slice(at + 3).trim();

  if (text === "") return `the button for "${url}" has no label`;
  if (url === "") return `the button "${text}" has no link`;
  // Counted in characters as people see them, so an emoji counts once.
  if ([...text].length > MAX_LABEL_LENGTH) {
    return `the label "${text}" is longer than ${MAX_LABEL_LENGTH} characters`;
  }

  const problem = checkUrl(url);
  return problem ?? { text, url };
}

/** `undefined` when the link is acceptable. */
function checkUrl(url: string): string | undefined {
  if (WHOLE_PLACEHOLDER.test(url)) return undefined;
  // A fallback may hold spaces (`{hall|main hall}`): it is percent-encoded when it lands in the link.
  const filled = url.replace(PLACEHOLDER, "x");
  if (/\s/.test(filled)) return `"${url}" has a space in it`;

  // Braces left after taking out the placeholders are almost always a mistyped one (`{Ticket_URL}`), and
  // would otherwise reach every recipient as literal text.
  if (/[{}]/.test(filled)) {
    return `"${url}" has a placeholder that is not lowercase letters, digits and _ in braces`;
  }

  let parsed: URL;
  try {
    parsed = new URL(filled);
  } catch {
    return `"${url}" is not a valid link`;
  }
  if (!ALLOWED_PROTOCOLS.has(parsed.protocol)) return `"${url}" is not an http(s) or tg link`;
  if (parsed.protocol === "tg:") return undefined;
  // The same rule as a ticket link from the moderation webhook: Telegram refuses the whole message
  // when one button's link is wrong.
  const problem = buttonUrlProblem(filled, { hostFilledLater: placeholderInHost(url) });
  return problem === undefined ? undefined : `"${url}" ${problem}`;
}

/** `http://{host}/map`: the text between `//` and the path holds a placeholder. */
function placeholderInHost(url: string): boolean {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
  return new RegExp(PLACEHOLDER.source).test(authority);
}
