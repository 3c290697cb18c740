import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { createHerald, type Herald } from "../../src/herald.js";
import type { Sandbox, SandboxUser } from "../../src/sandbox/index.js";
import { TEST_TOKEN, testConfig } from "./config.js";
import { collectLogs } from "./log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "./sandbox.js";
import { makeTempDir } from "./temp-dir.js";

export const TEXT = "Doors open at 10:00";

export let sandbox: Sandbox;
export let herald: Herald | undefined;
export let dir: { path: string; cleanup(): void };
export let organiser: SandboxUser;
export let attendees: SandboxUser[];
export let logs: ReturnType<typeof collectLogs>;

/**
 * The compose dialog's launch tests in two files (so they run side by side): each test gets a fresh
 * sandbox with an organiser, and Herald is stopped after it.
 */
export function useLaunchHarness() {
  beforeEach(async () => {
    sandbox = await listeningSandbox({ limits: NO_FLOOD_LIMITS });
    dir = makeTempDir();
    organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" }, { started: true });
    attendees = [];
  });

  afterEach(async (context) => {
    if (context.task.result?.state === "fail") console.error(logs?.lines.slice(-40).join(""));
    await herald?.stop();
    herald = undefined;
    await sandbox.close();
    dir.cleanup();
  });
}

export async function startHerald() {
  logs = collectLogs([TEST_TOKEN]);
  herald = createHerald({
    config: testConfig({
      BOT_API_ROOT: sandbox.url,
      DATABASE_FILE: join(dir.path, "herald.db"),
      ADMIN_IDS: String(organiser.id),
      QUIET_HOURS: "off",
    }),
    logger: logs.logger,
    version: "0.0.0-test",
  });
  await herald.start();
}

/** People who opened the bot: the audience "all active". */
export async function seedAttendees(count: number) {
  for (let i = 0; i < count; i++) {
    const user = sandbox.createUser({ first_name: `Guest${i}`, language_code: "ru" });
    sandbox.userStarts(user.id);
    await sandbox.waitForBotMessage(user.id);
    attendees.push(user);
  }
}

export function sqlite() {
  if (!herald?.database) throw new Error("Herald is not running");
  return herald.database.sqlite;
}

export const broadcastRows = () =>
  sqlite().prepare("SELECT id, status FROM broadcasts ORDER BY id").all() as Array<{
    id: number;
    status: string;
  }>;
export const reportsIn = (chatId: number) =>
  sandbox.botMessages(chatId).filter((m) => /^Report: broadcast/.test(m.text ?? ""));
export const receivedBy = (user: SandboxUser) => sandbox.botMessages(user.id).filter((m) => m.text === TEXT);

/** Stops Herald, so that whatever it was going to send has been sent: counts after this are final. */
export async function stopHerald() {
  await herald?.stop();
  herald = undefined;
}
