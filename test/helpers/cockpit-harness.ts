import { join } from "node:path";
import { afterEach, beforeEach, expect } from "vitest";
import { createHerald, type Herald } from "../../src/herald.js";
import { createWebhookClient, type WebhookClient } from "../../src/http/client.js";
import type { ChatRecord, Sandbox, SandboxUser } from "../../src/sandbox/index.js";
import { createChatReader, pressButton } from "./bot-chat.js";
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "./config.js";
import { collectLogs } from "./log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "./sandbox.js";
import { makeTempDir } from "./temp-dir.js";

export let sandbox: Sandbox;
export let herald: Herald | undefined;
export let dir: { path: string; cleanup(): void };
export let webhooks: WebhookClient;
export let organiser: SandboxUser;
export let colleague: SandboxUser;
export let group: { id: number };
export let logs: ReturnType<typeof collectLogs>;

/**
 * The cockpit's tests in several files (so they run side by side): each test gets a fresh sandbox with
 * an organiser, a colleague and their group, and Herald is stopped after it.
 */
export function useCockpitHarness() {
  beforeEach(async () => {
    sandbox = await listeningSandbox({ limits: NO_FLOOD_LIMITS });
    dir = makeTempDir();
    organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" }, { started: true });
    colleague = sandbox.createUser({ first_name: "Igor", language_code: "ru" }, { started: true });
    group = sandbox.createGroup({ title: "Organisers", memberIds: [organiser.id, colleague.id] });
  });

  afterEach(async (context) => {
    // A failing flow is easier to read with Herald's last log lines next to it.
    if (context.task.result?.state === "fail") console.error(logs?.lines.slice(-40).join(""));
    await herald?.stop();
    herald = undefined;
    await sandbox.close();
    dir.cleanup();
  });
}

export async function startHerald(env: Record<string, string> = {}) {
  const config = testConfig({
    BOT_API_ROOT: sandbox.url,
    DATABASE_FILE: join(dir.path, "herald.db"),
    ADMIN_IDS: String(organiser.id),
    ADMIN_CHAT_ID: String(group.id),
    QUIET_HOURS: "off",
    ...env,
  });
  logs = collectLogs([TEST_TOKEN]);
  herald = createHerald({ config, logger: logs.logger, version: "0.0.0-test" });
  const started = await herald.start();
  webhooks = createWebhookClient(started.httpUrl, TEST_WEBHOOK_SECRET);
  return started;
}

export function sqlite() {
  const database = herald?.database;
  if (!database) throw new Error("Herald is not running");
  return database.sqlite;
}

/** Attendees who registered, opened their deep link and were approved with a personal ticket link. */
export async function seedAttendees(count: number, options: { approve?: number } = {}) {
  const attendees: Array<{ user: SandboxUser; answerId: string; ticketUrl: string }> = [];
  for (let i = 0; i < count; i++) {
    const user = sandbox.createUser({ first_name: `Guest${i}`, language_code: "ru" });
    const answerId = String(5000 + i);
    const ticketUrl = `https://tickets.example.org/t/${answerId}?k=${(i * 7919).toString(36)}&x=1`;
    expect(
      (await webhooks.submit(answerId, { attributes: { hall: i % 2 === 0 ? "A" : "B" } })).status,
    ).toBeLessThan(300);
    const link = await webhooks.deepLink(answerId);
    sandbox.userStarts(user.id, String(link.body.payload));
    await sandbox.waitForBotMessage(user.id, (m) => /5\d{3}/.test(m.text ?? ""));
    if (i < (options.approve ?? count)) {
      expect((await webhooks.approve(answerId, ticketUrl)).status).toBeLessThan(300);
      await sandbox.waitForBotMessage(user.id, (m) =>
        JSON.stringify(m.reply_markup ?? "").includes(answerId),
      );
    }
    attendees.push({ user, answerId, ticketUrl });
  }
  return attendees;
}

export const reader = (chatId: number) => createChatReader(sandbox, chatId);
export const press = (user: SandboxUser, chatId: number, message: ChatRecord, label: RegExp) =>
  pressButton(sandbox, user.id, message, label, chatId);

export const auditActions = () =>
  sqlite().prepare("SELECT actor_id, action FROM audit_log ORDER BY id").all() as Array<{
    actor_id: number;
    action: string;
  }>;

/** Stops Herald, so that whatever it was going to send has been sent. */
export async function stopHerald() {
  await herald?.stop();
  herald = undefined;
}
