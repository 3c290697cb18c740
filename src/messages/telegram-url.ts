/*
 * What Telegram takes as the link of a URL button. A link it refuses ("Wrong HTTP URL",
 * BUTTON_URL_INVALID) fails the whole message, so a ticket with such a link never reaches the
 * attendee: links are checked where they come in (the moderation webhook, the organisers' buttons)
 * rather than discovered at send time.
 */

/** Longer links are refused by the moderation webhook's schema too; Telegram's own limit is near this. */
export const MAX_BUTTON_URL_LENGTH = 2048;

// Node's URL parser quietly drops tabs and line breaks and encodes quotes and angle brackets, so
// these are looked for in the text as it was sent, which is what Telegram receives.
const WHITESPACE = /\s/;
// Other C0 controls and DEL: never part of a link anyone typed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;
const QUOTES_OR_ANGLES = /["'`<>]/;
// WHATWG reads "\" as "/" in http(s) links; Telegram does not, so the two would open different pages.
const BACKSLASH = /\\/;
const SCHEME = /^https?:\/\//i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export interface ButtonUrlOptions {
  /**
   * The host holds a placeholder filled per recipient (an organiser's `http://{host}/map`): whether
   * it names a real host is only known once filled, so only the rest is judged.
   */
  hostFilledLater?: boolean;
}

/**
 * Why Telegram would refuse `raw` as the link of a URL button, in plain English, to follow the
 * link's name ("body/ticket_url has a space in it"); `undefined` when it would take it. Only http and
 * https links: a ticket is opened in a browser.
 */
export function buttonUrlProblem(raw: string, options: ButtonUrlOptions = {}): string | undefined {
  // Counted as the webhook's schema counts (code points), so the two limits agree.
  if ([...raw].length > MAX_BUTTON_URL_LENGTH) {
    return `is longer than ${MAX_BUTTON_URL_LENGTH} characters`;
  }
  if (raw === "") return "is empty";
  if (WHITESPACE.test(raw)) return "has a space in it";
  if (CONTROL.test(raw)) return "has a control character in it";
  if (QUOTES_OR_ANGLES.test(raw)) return "has a quote (\" ' `) or an angle bracket (< >) in it";
  if (BACKSLASH.test(raw)) return "has a backslash in it";
  if (!SCHEME.test(raw)) return "does not start with http:// or https://";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid link (check the host and the port)";
  }
  // The scheme test above already holds; this keeps the check honest should it ever change.
  if (url.protocol !== "http:" && url.protocol !== "https:") return "is not an http or https link";
  if (url.port === "0") return "has port 0, which no server listens on";
  if (options.hostFilledLater) return undefined;
  return hostProblem(url.hostname);
}

/** A host as the URL parser leaves it: lowercase, an international name in punycode, an IPv6 in brackets. */
function hostProblem(host: string): string | undefined {
  if (host === "") return "has no host";
  // The parser accepted the brackets, so what is inside is a valid IPv6 address.
  if (host.startsWith("[") && host.endsWith("]")) return undefined;
  if (IPV4.test(host)) return undefined;
  const labels = host.split(".");
  // Telegram refuses a host without a dot ("localhost", "https:///t" read as host "t").
  if (labels.length < 2) return `has host "${host}" with no dot in it: use the full domain name`;
  if (labels.some((label) => !LABEL.test(label))) {
    return `has host "${host}", which is not a domain name (letters, digits and hyphens between dots)`;
  }
  return undefined;
}
