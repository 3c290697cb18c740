import { escapeHtml } from "./html.js";

/** Per-recipient values: `answer_id`, `ticket_url` and whatever attributes the form site sent. */
export type Params = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{([a-z][a-z0-9_]{0,31})\}/g;

/** The parameter names a template uses, for checking them before launch. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string))];
}

/**
 * Fills `{name}` in Telegram HTML; values are escaped, so a recipient's data can never become markup.
 * Names are checked before launch; a recipient who lacks a value gets an empty string.
 */
export function renderHtml(template: string, params: Params): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => escapeHtml(params[name] ?? ""));
}

/** Fills `{name}` in plain text (a button label): no markup, so nothing to escape. */
export function renderText(template: string, params: Params): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => params[name] ?? "");
}

/**
 * Fills `{name}` in a button URL. A URL that is one placeholder (`{ticket_url}`) takes the value as
 * it is, since it is a whole link that must stay exactly as the organiser sent it; a placeholder
 * inside a URL is percent-encoded, so a value cannot change the link's structure.
 */
export function renderUrl(template: string, params: Params): string {
  const whole = /^\{([a-z][a-z0-9_]{0,31})\}$/.exec(template.trim());
  if (whole) return params[whole[1] as string] ?? "";
  return template.replace(PLACEHOLDER, (_match, name: string) => encodeURIComponent(params[name] ?? ""));
}
