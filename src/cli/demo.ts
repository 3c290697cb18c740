/**
 * `npm run demo`: the whole Herald against the local Telegram sandbox. Plays a few attendees,
 * tells what happened in plain words, exits 0 (1 if anything did not happen as it should).
 * `--json` adds a summary object as the last line.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { countSubscribers } from "../audience/subscribers.js";
import { loadConfig } from "../config.js";
import { createHerald } from "../herald.js";
import { createLogger } from "../logger.js";
import { createSandbox, DEFAULT_SANDBOX_TOKEN, type SandboxUser } from "../sandbox/index.js";
import { readVersion } from "../version.js";

interface Attendee {
  user: SandboxUser;
  /** What the attendee does, and what Herald should answer with. */
  script: Array<{ action: "start" | "text"; text?: string; expect: RegExp }>;
}

const json = process.argv.includes("--json");
const say = (line: string) => process.stdout.write(`${line}\n`);

async function demo(): Promise<Record<string, unknown>> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), "herald-demo-"));
  const sandbox = createSandbox({ latency: { minMs: 20, maxMs: 60 }, seed: 2026 });
  const sandboxUrl = await sandbox.listen();
  say(`Telegram sandbox listening at ${sandboxUrl} (Bot API latency 20–60 ms, 30 msg/s bulk limit).`);

  const config = loadConfig({
    BOT_TOKEN: DEFAULT_SANDBOX_TOKEN,
    BOT_API_ROOT: sandboxUrl,
    DATABASE_FILE: join(workDir, "herald.db"),
    WEBHOOK_SECRET: randomBytes(32).toString("hex"),
    DEEPLINK_SECRET: randomBytes(32).toString("hex"),
    HTTP_PORT: "0",
    LOG_LEVEL: "warn",
  });
  // Logs go to stderr so that stdout holds the story (and, with --json, ends with the summary).
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.botToken, config.webhookSecret, config.deeplinkSecret],
    destination: pino.destination(2),
  });
  const herald = createHerald({ config, logger, version: readVersion() });
  let failures = 0;

  try {
    const { httpUrl, bot } = await herald.start();
    say(`Herald started as @${bot.username}; HTTP at ${httpUrl}; database in a fresh temporary folder.\n`);

    const attendees: Attendee[] = [
      {
        user: sandbox.createUser({ first_name: "Анна", username: "anna_demo", language_code: "ru" }),
        script: [
          { action: "start", expect: /Здравствуйте/ },
          { action: "start", expect: /С возвращением/ },
        ],
      },
      {
        user: sandbox.createUser({ first_name: "John", last_name: "Smith", language_code: "en-GB" }),
        script: [
          { action: "start", expect: /^Hello!/ },
          { action: "text", text: "/help", expect: /I send your ticket/ },
        ],
      },
      {
        user: sandbox.createUser({ first_name: "Мария", language_code: "ru" }),
        script: [
          { action: "start", expect: /Здравствуйте/ },
          { action: "text", text: "А где мой билет?", expect: /не отвечаю на сообщения/ },
        ],
      },
      {
        user: sandbox.createUser({ first_name: "Pierre", language_code: "fr" }),
        script: [
          { action: "start", expect: /Здравствуйте/ },
          { action: "text", text: "/tickets", expect: /Не знаю такой команды/ },
        ],
      },
    ];

    for (const { user, script } of attendees) {
      for (const step of script) {
        const text = step.action === "start" ? "/start" : (step.text ?? "");
        const lastSeen = sandbox.botMessages(user.id).at(-1)?.message_id ?? 0;
        if (step.action === "start") sandbox.userStarts(user.id);
        else sandbox.userSends(user.id, text);
        const answer = await sandbox.waitForBotMessage(user.id, (m) => m.message_id > lastSeen, {
          timeoutMs: 15_000,
        });
        const ok = step.expect.test(answer.text ?? "");
        if (!ok) failures++;
        say(
          `${ok ? "✓" : "✗"} ${user.first_name} (${user.language_code}) sends ${JSON.stringify(text)} → Herald: «${firstLine(answer.text)}»`,
        );
      }
    }

    const health = (await (await fetch(`${httpUrl}/healthz`)).json()) as Record<string, unknown>;
    say(`\nGET /healthz → ${JSON.stringify(health)}`);
    if (health.status !== "ok") failures++;

    const subscribers = herald.database ? countSubscribers(herald.database.db) : 0;
    const stats = sandbox.stats();
    say(
      `Herald now knows ${subscribers} subscribers (Telegram IDs only: no names are stored). ` +
        `It made ${stats.requests} Bot API calls and sent ${stats.messagesSent} messages; ` +
        `Telegram answered 429 ${stats.http429} times.`,
    );
    if (subscribers !== attendees.length) failures++;

    await herald.stop();
    say("Herald stopped cleanly.");
    return {
      ok: failures === 0,
      failures,
      attendees: attendees.length,
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

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0] ?? "";
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
