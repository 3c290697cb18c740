import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "./config.js";
import { PERSONAL_FIELDS, personalFieldsOf, SHAPE_PERSONAL_FIELDS } from "./telegram-personal-fields.js";

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

const REDACTED_PATHS = [
  "botToken",
  "*.botToken",
  "webhookSecret",
  "*.webhookSecret",
  "deeplinkSecret",
  "*.deeplinkSecret",
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
 * Personal fields of Telegram objects (the one list, telegram-personal-fields.ts) are cleared from every
 * serialised line, at any depth: an update inside an error (`err.ctx.update.message.from`, a refused
 * call's payload) is deeper than pino's redact paths reach. The listed keys are cleared wherever they
 * are, whatever object holds them, since a log line loses nothing by it; the fields only some objects
 * make personal (a group's `title`, not a broadcast's) are cleared where that object's shape says so.
 */
const PERSONAL_KEYS = [...PERSONAL_FIELDS, ...SHAPE_PERSONAL_FIELDS];
const KEY_TEXTS = PERSONAL_KEYS.map((key) => `"${key}":`);
const EVERYWHERE: ReadonlySet<string> = new Set(PERSONAL_FIELDS);
const REDACTED = "[redacted]";

export function redactPersonal(line: string): string {
  if (!KEY_TEXTS.some((key) => line.includes(key))) return line;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return redactUnparsed(line);
  }
  const trailing = line.endsWith("\n") ? "\n" : "";
  return JSON.stringify(redactValue(record)) + trailing;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const byShape: ReadonlySet<string> = new Set(personalFieldsOf(source));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(source)) {
    out[key] = EVERYWHERE.has(key) || byShape.has(key) ? REDACTED : redactValue(inner);
  }
  return out;
}

/** A JSON string, an array of them (active_usernames), an object without nesting or a number. */
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
const ANY_PERSONAL_VALUE = new RegExp(
  String.raw`"(${PERSONAL_KEYS.join("|")})":(?:${JSON_STRING}|\[(?:${JSON_STRING}|[^\]"])*\]|\{(?:${JSON_STRING}|[^}"])*\}|[-0-9.eE+]+)`,
  "g",
);

/** Not JSON (pino writes nothing else): every candidate key is cleared, shape or not. */
function redactUnparsed(line: string): string {
  return line.replace(ANY_PERSONAL_VALUE, `"$1":"${REDACTED}"`);
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
