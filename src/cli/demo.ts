/**
 * `npm run demo`: the whole Herald against the local Telegram sandbox. First a few attendees talk
 * to the bot; then the forum's reference flow for a few hundred attendees: form submissions, deep
 * links in both orders, forged links, moderation, tickets. Prints what happened in plain words and
 * the funnel, and exits 0 when everything happened as it should (1 otherwise).
 * `--json` adds a summary object as the last line; `--attendees N` sets the crowd (default 300).
 * The acts are in demo/: conversations, the reminder scenario, Tally connected as the registration
 * form, the forum and the broadcast.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { countSubscribers } from "../audience/subscribers.js";
import { loadConfig, secretsOf } from "../config.js";
import { createHerald } from "../herald.js";
import { createWebhookClient } from "../http/client.js";
import { createLogger } from "../logger.js";
import { countDeliveries } from "../outbox/outbox.js";
import { createSandbox, DEFAULT_SANDBOX_TOKEN } from "../sandbox/index.js";
import { readVersion } from "../version.js";
import { playBroadcast } from "./demo/broadcast.js";
import { say } from "./demo/chat.js";
import { playConversations } from "./demo/conversations.js";
import { playForum } from "./demo/forum.js";
import { playScenario } from "./demo/scenario.js";
import { playTally } from "./demo/tally.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const attendeeCount = Number(args[args.indexOf("--attendees") + 1] ?? 300) || 300;
// The organiser's registration form is on Tally, connected to Herald with FORM_SECRET (demo/tally.ts).
const FORM_URL = "https://tally.so/r/mDe9Xo";

async function demo(): Promise<Record<string, unknown>> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), "herald-demo-"));
  const sandbox = createSandbox({ latency: { minMs: 20, maxMs: 60 }, seed: 2026 });
  const sandboxUrl = await sandbox.listen();
  say(
    `Telegram sandbox at ${sandboxUrl}: Bot API latency 20–60 ms, Telegram's flood limits (30 msg/s in bulk).`,
  );

  // The organiser who runs the cockpit, and the organisers' group (the bot's admin chat).
  const organiserUser = sandbox.createUser(
    { first_name: "Организатор", language_code: "ru" },
    { started: true },
  );
  const organisersGroup = sandbox.createGroup({
    title: "Организаторы форума",
    memberIds: [organiserUser.id],
  });
  const config = loadConfig({
    BOT_TOKEN: DEFAULT_SANDBOX_TOKEN,
    ADMIN_IDS: String(organiserUser.id),
    ADMIN_CHAT_ID: String(organisersGroup.id),
    BOT_API_ROOT: sandboxUrl,
    DATABASE_FILE: join(workDir, "herald.db"),
    WEBHOOK_SECRET: randomBytes(32).toString("hex"),
    DEEPLINK_SECRET: randomBytes(32).toString("hex"),
    FORM_URL,
    FORM_PROVIDER: "tally",
    FORM_SECRET: randomBytes(32).toString("hex"),
    FORM_FIELDS: "city",
    HTTP_PORT: "0",
    // The forged links the demo plays are logged as warnings; only real trouble should show.
    LOG_LEVEL: "error",
    // The reminder scenario is played below on a compressed clock rather than by the minute cron.
    SCENARIOS: "off",
  });
  // Logs go to stderr so that stdout holds the story (and, with --json, ends with the summary).
  const logger = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: pino.destination(2),
  });
  const herald = createHerald({ config, logger, version: readVersion() });

  try {
    const { httpUrl, bot } = await herald.start();
    say(`Herald started as @${bot.username}; HTTP at ${httpUrl}; a fresh database in a temporary folder.\n`);
    const organiser = createWebhookClient(httpUrl, config.webhookSecret);

    const conversation = await playConversations(sandbox);
    if (!herald.database) throw new Error("Herald has no database");
    const scenario = await playScenario(sandbox, organiser, herald.database, logger, config);
    const tally = await playTally(sandbox, {
      httpUrl,
      formSecret: config.forms.secret ?? "",
      organiserId: organiserUser.id,
      databaseFile: config.databaseFile,
    });
    const forum = await playForum(sandbox, organiser, attendeeCount);
    if (!herald.database) throw new Error("Herald has no database");
    const broadcast = await playBroadcast(sandbox, herald.database, organiserUser.id, organisersGroup.id);

    const health = (await (await fetch(`${httpUrl}/healthz`)).json()) as Record<string, unknown>;
    say(`\nGET /healthz → ${JSON.stringify(health)}`);
    const database = herald.database;
    const subscribers = database ? countSubscribers(database.db) : 0;
    const deliveries = database ? countDeliveries(database.db) : undefined;
    const stats = sandbox.stats();
    say(
      `Herald knows ${subscribers} subscribers (Telegram IDs only: no names are stored); outbox: ${JSON.stringify(deliveries)}. ` +
        `It made ${stats.requests} Bot API calls, sent ${stats.messagesSent} messages; Telegram answered 429 ${stats.http429} times ${JSON.stringify(stats.http429ByScope)}.`,
    );
    await herald.stop();
    say("Herald stopped cleanly.");

    const ok =
      conversation.ok && scenario.ok && tally.ok && forum.ok && broadcast.ok && health.status === "ok";
    return {
      ok,
      conversation: { steps: conversation.steps, failures: conversation.failures },
      scenario: scenario.summary,
      tally: tally.summary,
      funnel: forum.funnel,
      broadcast: broadcast.summary,
      problems: [...scenario.problems, ...tally.problems, ...forum.problems, ...broadcast.problems],
      subscribers,
      botApiCalls: stats.requests,
      messagesSent: stats.messagesSent,
      http429: stats.http429,
      health: health.status,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await herald.stop();
    await sandbox.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

demo().then(
  (summary) => {
    if (json) say(JSON.stringify(summary));
    process.exit(summary.ok ? 0 : 1);
  },
  (error: unknown) => {
    process.stderr.write(`The demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
