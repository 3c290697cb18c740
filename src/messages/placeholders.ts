import type { Params } from "./params.js";

/**
 * `{name}` or `{name|fallback}`: a lowercase name, and text used when the recipient lacks the value.
 * A fallback holds no braces, so a placeholder always ends at the first `}`.
 */
export const PLACEHOLDER = /\{([a-z][a-z0-9_]{0,31})(?:\|([^{}]*))?\}/g;

/** One placeholder as the filler met it, for the caller that decides how its value lands. */
export interface Slot {
  name: string;
  /** Where the placeholder starts and ends in the template. */
  start: number;
  end: number;
}

/**
 * The one placeholder filler: each `{name}` or `{name|fallback}` becomes `place(value, slot)`, where
 * the value is the recipient's, else the fallback (passed through `fallbackOf`, since in HTML it is
 * written as HTML), else "". Values are made safe to send first: Telegram takes NUL as the end of the
 * text and refuses text that is not UTF-8, so NUL goes and a lone surrogate becomes U+FFFD.
 */
export function fill(
  template: string,
  params: Params,
  place: (value: string, slot: Slot) => string,
  fallbackOf: (written: string) => string = (written) => written,
): string {
  return template.replace(PLACEHOLDER, (whole, name: string, fallback: string | undefined, start: number) => {
    const given = params[name];
    const value =
      given !== undefined && given !== "" ? given : fallback === undefined ? "" : fallbackOf(fallback);
    return place(sendable(value), { name, start, end: start + whole.length });
  });
}

/** The parameter names a template uses, each once, for checking them before launch. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string))];
}

/** Names used with no fallback that these params lack (absent or empty), each once. */
export function missingIn(template: string, params: Params): string[] {
  const missing = [...template.matchAll(PLACEHOLDER)]
    .filter((match) => match[2] === undefined && (params[match[1] as string] ?? "") === "")
    .map((match) => match[1] as string);
  return [...new Set(missing)];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function sendable(value: string): string {
  return value.replaceAll("\0", "").replace(LONE_SURROGATE, "\uFFFD");
}
