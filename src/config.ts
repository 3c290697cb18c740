import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { personalFieldProblem, personalQuestionProblem } from "./audience/personal-data.js";
import { FORM_PROVIDERS, type FormProvider, formToken, isFormProvider } from "./forms/providers.js";
import { parseLocalDateTime } from "./time.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Minutes after local midnight. */
export interface QuietHours {
  start: number;
  end: number;
}

export interface Config {
  botToken: string;
  botApiRoot: string;
  databaseFile: string;
  adminIds: readonly number[];
  adminChatId: number | null;
  http: { host: string; port: number };
  /** PUBLIC_URL: where the organiser's systems and form builders reach Herald's HTTP face; null: not public yet. */
  publicUrl: string | null;
  webhookSecret: string;
  deeplinkSecret: string;
  /** Off only when the organiser explicitly allows unsigned deep links (Herald warns at every start). */
  deeplinkSigning: boolean;
  /** The registration form, for attendees who open the bot before registering. */
  formUrl: string | null;
  /** The form connectors (`POST /webhooks/forms/<provider>`). */
  forms: FormsConfig;
  timezone: string;
  quietHours: QuietHours | null;
  broadcastRate: number;
  /** The rate while a paid broadcast (allow_paid_broadcast) runs. */
  paidBroadcastRate: number;
  /** When the event starts (Unix ms), for the event reminders; null: those reminders are off. */
  eventStartsAt: number | null;
  /** The live stream, for the "we are live" reminder's button. */
  liveUrl: string | null;
  /** At most this many scenario messages to one person in 24 hours (tickets exempt); 0: no cap. */
  scenarioDailyCap: number;
  /** Off: no reminder scenario runs at all, whatever is enabled in the cockpit. */
  scenariosOn: boolean;
  logLevel: LogLevel;
}

/** One attribute an organiser allows from their form: stored under `attribute`, read from `field`. */
export interface FormFieldMapping {
  attribute: string;
  /** The form's field as the provider names it: its key, ref, label or title (compared loosely). */
  field: string;
}

export interface FormsConfig {
  /** FORM_SECRET: Typeform's and Tally's signing secret, and the root of the other providers' tokens; null: connectors off. */
  secret: string | null;
  /** FORM_PROVIDER: the builder FORM_URL belongs to, which decides where FORM_URL carries `ref`. */
  provider: FormProvider | null;
  /** FORM_FIELDS: the only fields Herald reads from a form besides the answer number and `ref`. */
  fields: readonly FormFieldMapping[];
  /** FORM_ANSWER_FIELD: the field holding the answer number; null: the provider's submission id. */
  answerField: string | null;
  /** FORM_REF_FIELD: the hidden field carrying Herald's signed reference (default `ref`). */
  refField: string;
  /** FORM_REF_PARAM: FORM_URL's parameter for the reference (`ref`, or `entry.<id>` for Google); null: the provider's default. */
  refParam: string | null;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "config_invalid";
  constructor(readonly problems: readonly string[]) {
    super(
      `Herald cannot start: the configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        "\nSet these in the environment or in .env (every variable is documented in .env.example).",
    );
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const TOKEN_PATTERN = /^\d{1,20}:[A-Za-z0-9_-]{20,}$/;
const MIN_SECRET_LENGTH = 16;
const HOW_TO_MAKE_SECRET = "generate one with `openssl rand -hex 32`";

/**
 * Turns the environment into one frozen Config, collecting every problem before failing so that
 * an operator fixes them all in one go. Values of secrets never appear in the messages.
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === "" ? undefined : raw;
  };

  const botToken = value("BOT_TOKEN");
  if (botToken === undefined) {
    problems.push("BOT_TOKEN is missing: create a bot with @BotFather and copy the token it gives you.");
  } else if (!TOKEN_PATTERN.test(botToken)) {
    problems.push(
      "BOT_TOKEN does not look like a bot token (expected digits, a colon, then at least 20 letters, digits, _ or -): copy it again from @BotFather.",
    );
  }

  const botApiRoot = parseUrl(value("BOT_API_ROOT") ?? "https://api.telegram.org", "BOT_API_ROOT", problems);
  const databaseFile = value("DATABASE_FILE") ?? "./data/herald.db";

  const adminIds = parseIdList(value("ADMIN_IDS"), problems);
  const adminChatId = parseAdminChat(value("ADMIN_CHAT_ID"), problems);

  const host = value("HTTP_HOST") ?? "127.0.0.1";
  const port = parseInteger(value("HTTP_PORT") ?? "3000", "HTTP_PORT", 0, 65535, problems, "a TCP port");

  const publicRaw = value("PUBLIC_URL");
  const publicUrl =
    publicRaw === undefined ? null : parseUrl(publicRaw, "PUBLIC_URL", problems).replace(/\/+$/, "");

  const webhookSecret = parseSecret(value("WEBHOOK_SECRET"), "WEBHOOK_SECRET", problems);
  const deeplinkSecret = parseSecret(value("DEEPLINK_SECRET"), "DEEPLINK_SECRET", problems);

  const signing = (value("DEEPLINK_SIGNING") ?? "on").toLowerCase();
  if (signing !== "on" && signing !== "off") {
    problems.push(`DEEPLINK_SIGNING "${signing}" must be "on" (the default) or "off".`);
  }
  const formUrlRaw = value("FORM_URL");
  const formUrl = formUrlRaw === undefined ? null : parseUrl(formUrlRaw, "FORM_URL", problems);
  const forms = parseForms(value, problems);

  const timezone = value("TIMEZONE") ?? "Europe/Moscow";
  if (!isTimeZone(timezone)) {
    problems.push(
      `TIMEZONE "${timezone}" is not an IANA time zone (for example Europe/Moscow or Asia/Yekaterinburg).`,
    );
  }

  const quietHours = parseQuietHours(value("QUIET_HOURS") ?? "22:00-09:00", problems);
  const broadcastRate = parseInteger(
    value("BROADCAST_RATE") ?? "30",
    "BROADCAST_RATE",
    0,
    1000,
    problems,
    "messages per second (30 is Telegram's free limit; 0 means no limit, only for a Bot API server without one)",
  );

  const paidBroadcastRate = parseInteger(
    value("PAID_BROADCAST_RATE") ?? "1000",
    "PAID_BROADCAST_RATE",
    0,
    1000,
    problems,
    "messages per second for paid broadcasts (Telegram allows up to 1000; 0 means no limit)",
  );

  const eventRaw = value("EVENT_STARTS_AT");
  let eventStartsAt: number | null = null;
  if (eventRaw !== undefined && isTimeZone(timezone)) {
    eventStartsAt = parseLocalDateTime(eventRaw, timezone);
    if (eventStartsAt === null) {
      problems.push(
        `EVENT_STARTS_AT "${eventRaw}" must be a local date and time in TIMEZONE, as YYYY-MM-DD HH:MM (for example 2026-12-05 10:00).`,
      );
    }
  }
  const liveRaw = value("LIVE_URL");
  const liveUrl = liveRaw === undefined ? null : parseUrl(liveRaw, "LIVE_URL", problems);
  const scenarioDailyCap = parseInteger(
    value("SCENARIO_DAILY_CAP") ?? "3",
    "SCENARIO_DAILY_CAP",
    0,
    100,
    problems,
    "scenario messages one person may get in 24 hours (0 means no cap)",
  );

  const scenariosSwitch = (value("SCENARIOS") ?? "on").toLowerCase();
  if (scenariosSwitch !== "on" && scenariosSwitch !== "off") {
    problems.push(`SCENARIOS "${scenariosSwitch}" must be "on" (the default) or "off".`);
  }

  const logLevel = (value("LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL "${logLevel}" is not one of ${LOG_LEVELS.join(", ")}.`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    botToken: botToken as string,
    botApiRoot,
    databaseFile,
    adminIds,
    adminChatId,
    http: { host, port },
    publicUrl,
    webhookSecret: webhookSecret as string,
    deeplinkSecret: deeplinkSecret as string,
    deeplinkSigning: signing !== "off",
    formUrl,
    forms,
    timezone,
    quietHours,
    broadcastRate,
    paidBroadcastRate,
    eventStartsAt,
    liveUrl,
    scenarioDailyCap,
    scenariosOn: scenariosSwitch !== "off",
    logLevel: logLevel as LogLevel,
  });
}

/**
 * Every value that must never reach a log line: the token, the secrets, and the form tokens derived
 * from FORM_SECRET (Tilda's travels in a URL path, which a log line may quote).
 */
export function secretsOf(config: Config): string[] {
  const secrets = [config.botToken, config.webhookSecret, config.deeplinkSecret];
  const formSecret = config.forms.secret;
  if (formSecret !== null) {
    secrets.push(formSecret, ...FORM_PROVIDERS.map((provider) => formToken(formSecret, provider)));
  }
  return secrets;
}

/**
 * The process environment over the variables of an env file (the real environment wins, as with
 * most dotenv loaders), without touching process.env.
 */
export function readEnv(env: Env, envFile = ".env"): Env {
  if (!existsSync(envFile)) return env;
  const fromFile = parseEnv(readFileSync(envFile, "utf8"));
  return { ...fromFile, ...env };
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

function parseForms(value: (name: string) => string | undefined, problems: string[]): FormsConfig {
  const secretRaw = value("FORM_SECRET");
  const secret = secretRaw === undefined ? null : (parseSecret(secretRaw, "FORM_SECRET", problems) ?? null);
  const providerRaw = value("FORM_PROVIDER")?.toLowerCase();
  let provider: FormProvider | null = null;
  if (providerRaw !== undefined) {
    if (isFormProvider(providerRaw)) provider = providerRaw;
    else problems.push(`FORM_PROVIDER "${providerRaw}" must be one of ${FORM_PROVIDERS.join(", ")}.`);
  }
  const fields: FormFieldMapping[] = [];
  for (const part of (value("FORM_FIELDS") ?? "").split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const attribute = (eq === -1 ? item : item.slice(0, eq)).trim();
    const field = (eq === -1 ? item : item.slice(eq + 1)).trim();
    if (!ATTRIBUTE_NAME.test(attribute) || field === "") {
      problems.push(
        `FORM_FIELDS has "${item}": list attribute=field pairs separated by commas (attribute: a-z, 0-9 and _, starting with a letter; "city" alone reads the field "city").`,
      );
      continue;
    }
    const personal = personalFieldProblem(attribute) ?? personalQuestionProblem(field);
    if (personal !== undefined) {
      problems.push(`FORM_FIELDS has "${item}": ${personal}.`);
      continue;
    }
    fields.push({ attribute, field });
  }
  const refParam = value("FORM_REF_PARAM") ?? null;
  if (provider === "google" && (refParam === null || !/^entry\.\d+$/.test(refParam))) {
    problems.push(
      'FORM_PROVIDER "google" needs FORM_REF_PARAM: the pre-filled entry of a short-answer question that carries the reference, such as entry.1234567890 (Google Forms: "Get pre-filled link").',
    );
  }
  const answerField = value("FORM_ANSWER_FIELD") ?? null;
  const refField = value("FORM_REF_FIELD") ?? "ref";
  for (const [name, field] of [
    ["FORM_ANSWER_FIELD", answerField],
    ["FORM_REF_FIELD", refField],
  ] as const) {
    const personal = field === null ? undefined : personalFieldProblem(field);
    if (personal !== undefined) problems.push(`${name}: ${personal}.`);
  }
  return {
    secret,
    provider,
    fields,
    answerField,
    refField,
    refParam,
  };
}

function parseUrl(raw: string, name: string, problems: string[]): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
    return name === "BOT_API_ROOT" ? raw.replace(/\/+$/, "") : raw;
  } catch {
    problems.push(`${name} "${raw}" is not an http(s) URL (for example https://example.org/path).`);
    return raw;
  }
}

function parseInteger(
  raw: string,
  name: string,
  min: number,
  max: number,
  problems: string[],
  what: string,
): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    problems.push(`${name} "${raw}" must be a whole number from ${min} to ${max}: ${what}.`);
    return min;
  }
  return n;
}

function parseIdList(raw: string | undefined, problems: string[]): number[] {
  if (raw === undefined) return [];
  const ids: number[] = [];
  for (const part of raw.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    if (!/^\d{1,15}$/.test(item) || Number(item) === 0) {
      problems.push(
        `ADMIN_IDS has "${item}", which is not a Telegram user ID: list numeric IDs separated by commas (a user can learn theirs from @userinfobot).`,
      );
      continue;
    }
    ids.push(Number(item));
  }
  return [...new Set(ids)];
}

function parseAdminChat(raw: string | undefined, problems: string[]): number | null {
  if (raw === undefined) return null;
  if (!/^-\d{1,15}$/.test(raw)) {
    problems.push(
      `ADMIN_CHAT_ID "${raw}" is not a group chat ID: group IDs are negative numbers such as -1001234567890.`,
    );
    return null;
  }
  return Number(raw);
}

function parseSecret(raw: string | undefined, name: string, problems: string[]): string | undefined {
  if (raw === undefined) {
    problems.push(`${name} is missing: ${HOW_TO_MAKE_SECRET}.`);
  } else if (raw.length < MIN_SECRET_LENGTH) {
    problems.push(`${name} is too short (at least ${MIN_SECRET_LENGTH} characters): ${HOW_TO_MAKE_SECRET}.`);
  }
  return raw;
}

function parseQuietHours(raw: string, problems: string[]): QuietHours | null {
  if (/^(off|none|no)$/i.test(raw)) return null;
  const match = /^(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})$/.exec(raw);
  const minutes = (h: string | undefined, m: string | undefined) => Number(h) * 60 + Number(m);
  if (match) {
    const [, h1, m1, h2, m2] = match;
    const valid = [h1, h2].every((h) => Number(h) < 24) && [m1, m2].every((m) => Number(m) < 60);
    const start = minutes(h1, m1);
    const end = minutes(h2, m2);
    if (valid && start !== end) return { start, end };
  }
  problems.push(
    `QUIET_HOURS "${raw}" must be a range of local times such as 22:00-09:00 (start and end differ), or "off".`,
  );
  return null;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(object: T): T {
  for (const value of Object.values(object as object)) {
    if (value !== null && typeof value === "object") deepFreeze(value);
  }
  return Object.freeze(object);
}
