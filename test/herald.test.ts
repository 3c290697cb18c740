import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald, StartupError } from "../src/herald.js";
import type { Sandbox } from "../src/sandbox/index.js";
import { TEST_TOKEN, testConfig } from "./helpers/config.js";
import { type CollectedLogs, collectLogs } from "./helpers/log-collector.js";
import { listeningSandbox } from "./helpers/sandbox.js";
import { storedText } from "./helpers/stored-text.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import { waitFor } from "./helpers/wait-for.js";

let sandbox: Sandbox;
let herald: Herald | undefined;
let logs: CollectedLogs;
let dir: { path: string; cleanup(): void };

beforeEach(async () => {
  sandbox = await listeningSandbox();
  dir = makeTempDir();
  logs = collectLogs([TEST_TOKEN]);
});

afterEach(async () => {
  await herald?.stop();
  herald = undefined;
  await sandbox.close();
  dir.cleanup();
});

async function startHerald(env: Record<string, string> = {}) {
  const config = testConfig({
    BOT_API_ROOT: sandbox.url,
    DATABASE_FILE: join(dir.path, "herald.db"),
    ...env,
  });
  herald = createHerald({ config, logger: logs.logger, version: "0.0.0-test" });
  return herald.start();
}

describe("Herald against the sandbox", () => {
  it("answers /start in Russian by default, and again as a returning subscriber", async () => {
    const started = await startHerald();
    expect(started.bot.username).toBe("herald_test_bot");
    const anna = sandbox.createUser({ first_name: "Анна", language_code: "ru" });

    sandbox.userStarts(anna.id);
    const first = await sandbox.waitForBotMessage(anna.id);
    expect(first.text).toMatch(/^Здравствуйте! Я Herald/);

    sandbox.userStarts(anna.id);
    const second = await sandbox.waitForBotMessage(anna.id, (m) => m.message_id > first.message_id);
    expect(second.text).toMatch(/^С возвращением/);
  });

  it("speaks English to an English-speaking client, and Russian to other languages", async () => {
    await startHerald();
    const john = sandbox.createUser({ first_name: "John", language_code: "en-US" });
    const pierre = sandbox.createUser({ first_name: "Pierre", language_code: "fr" });
    sandbox.userStarts(john.id);
    sandbox.userStarts(pierre.id);
    expect((await sandbox.waitForBotMessage(john.id)).text).toMatch(/^Hello!/);
    expect((await sandbox.waitForBotMessage(pierre.id)).text).toMatch(/^Здравствуйте!/);
  });

  it("helps with unknown commands and plain messages, and stays silent in groups", async () => {
    await startHerald();
    const user = sandbox.createUser({ first_name: "Олег", language_code: "ru" });
    const other = sandbox.createUser({ first_name: "Ира" });
    sandbox.userSends(user.id, "/tickets");
    expect((await sandbox.waitForBotMessage(user.id)).text).toMatch(/Не знаю такой команды.*\/help/);
    sandbox.userSends(user.id, "когда начало?");
    expect(
      (await sandbox.waitForBotMessage(user.id, (m) => /не отвечаю/.test(m.text ?? ""))).text,
    ).toBeTruthy();

    const group = sandbox.createGroup({ title: "Орги", memberIds: [user.id, other.id] });
    sandbox.userSends(user.id, "/tickets", { chatId: group.id });
    // The group message is processed before this later private one (updates arrive in order).
    sandbox.userSends(other.id, "/help");
    await sandbox.waitForBotMessage(other.id);
    expect(sandbox.botMessages(group.id)).toEqual([]);
  });

  it("publishes the command menu in Russian and English", async () => {
    await startHerald();
    const menus = sandbox.commands();
    expect(menus.map((m) => m.language_code ?? "default").sort()).toEqual(["default", "en"]);
    expect(JSON.stringify(menus)).toContain("Что умеет бот");
  });

  it("stores no names and logs no names", async () => {
    await startHerald({ LOG_LEVEL: "trace" });
    const names = ["Евлампия", "Кукушкина", "evlampia_k"];
    const user = sandbox.createUser({
      first_name: names[0] as string,
      last_name: names[1],
      username: names[2],
    });
    sandbox.userStarts(user.id);
    await sandbox.waitForBotMessage(user.id);
    sandbox.userSends(user.id, "/help");
    await sandbox.waitForBotMessage(user.id, (m) => /\/start/.test(m.text ?? ""));
    await herald?.stop();

    const stored = storedText(dir.path);
    expect(stored.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(stored).not.toContain(name);
      expect(logs.text()).not.toContain(name);
    }
    expect(logs.text()).toContain(String(user.id));
  });

  it("lets a running handler finish before it closes the database", async () => {
    sandbox.setLatency({ minMs: 300, maxMs: 300 });
    await startHerald();
    const user = sandbox.createUser({ first_name: "Поздний", language_code: "ru" });
    sandbox.userStarts(user.id);
    // The subscriber row is written before the reply: from then on the handler is inside sendMessage.
    await waitFor(
      () => herald?.database?.sqlite.prepare("SELECT 1 FROM subscribers WHERE telegram_id = ?").get(user.id),
      { what: "the subscriber row" },
    );
    await herald?.stop();
    expect(sandbox.botMessages(user.id)).toHaveLength(1);
    expect(logs.records().filter((r) => (r.level as number) >= 50)).toEqual([]);
  });

  it("reports a token Telegram rejects, without the token", async () => {
    const config = testConfig({
      BOT_API_ROOT: sandbox.url,
      DATABASE_FILE: join(dir.path, "herald.db"),
      BOT_TOKEN: "987654321:WRONG_token_nobody_issued_xx",
    });
    herald = createHerald({ config, logger: logs.logger, version: "0" });
    const failure = herald.start();
    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow(/Telegram rejected BOT_TOKEN \(401 Unauthorized\)/);
    await expect(failure).rejects.not.toThrow(/WRONG_token/);
  });
});
