import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "./config.js";

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Values that must never reach a log line, wherever they hide (an error message, a URL). */
  secrets: readonly string[];
  /** Human-readable lines; main turns it on only when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; tests pass a collector. Defaults to stdout. */
  destination?: DestinationStream;
}

/**
 * Personal data Telegram sends in updates. Herald never logs updates whole, but a future log call
 * that passes a `from` or `chat` object must not leak them either (deeper ones: redactPersonal).
 */
const REDACTED_PATHS = [
  "botToken",
  "*.botToken",
  "webhookSecret",
  "*.webhookSecret",
  "deeplinkSecret",
  "*.deeplinkSecret",
  "*.first_name",
  "*.last_name",
  "*.username",
  "*.phone_number",
  "*.*.first_name",
  "*.*.last_name",
  "*.*.username",
  "*.*.phone_number",
  'req.headers["x-herald-signature"]',
  "req.headers.authorization",
];

export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? (options.pretty ? pretty({ colorize: true }) : pino.destination(1));
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      base: undefined,
    },
    scrubbing(target, options.secrets),
  );
}

/**
 * Fields of Telegram objects that name or reach a person. The redact paths above reach two levels; an
 * update inside an error (`err.ctx.update.message.from`, a refused call's payload) is deeper, so every
 * serialised line is also searched for these keys at any depth.
 */
const PERSONAL_KEYS = [
  "first_name",
  "last_name",
  "username",
  "active_usernames",
  "phone_number",
  "vcard",
  "email",
  "bio",
  "sender_user_name",
  "forward_sender_name",
  "author_signature",
] as const;
/** A JSON string, an array of them (active_usernames) or a number (a phone written as digits). */
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
const PERSONAL_VALUE = new RegExp(
  String.raw`"(${PERSONAL_KEYS.join("|")})":(?:${JSON_STRING}|\[(?:${JSON_STRING}|[^\]"])*\]|[-0-9.eE+]+)`,
  "g",
);
const PERSONAL_KEY_TEXT = PERSONAL_KEYS.map((key) => `"${key}":`);

export function redactPersonal(line: string): string {
  if (!PERSONAL_KEY_TEXT.some((key) => line.includes(key))) return line;
  return line.replace(PERSONAL_VALUE, '"$1":"[redacted]"');
}

/**
 * The last line of defence: every serialised line is cleared of personal fields and searched for secret
 * values before it is written.
 */
function scrubbing(target: DestinationStream, secrets: readonly string[]): DestinationStream {
  const needles = secretNeedles(secrets);
  return {
    write(line: string) {
      let out = redactPersonal(line);
      for (const needle of needles) {
        if (out.includes(needle)) out = out.replaceAll(needle, "[secret]");
      }
      target.write(out);
    },
  };
}

function secretNeedles(secrets: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    needles.add(secret);
    // A bot token's secret half is sensitive on its own; the numeric bot id before the colon is public.
    const colon = secret.indexOf(":");
    if (colon > 0 && secret.length - colon > 8) needles.add(secret.slice(colon + 1));
  }
  // Longest first, so a token is replaced whole before its half is looked for.
  return [...needles].sort((a, b) => b.length - a.length);
}
