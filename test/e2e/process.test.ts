import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { TEST_DEEPLINK_SECRET, TEST_TOKEN, TEST_WEBHOOK_SECRET } from "../helpers/config.js";
import { spawnHerald } from "../helpers/herald-process.js";
import { makeTempDir } from "../helpers/temp-dir.js";

let sandbox: Sandbox;
let dir: { path: string; cleanup(): void };

beforeEach(async () => {
  sandbox = createSandbox({
    bots: [{ token: TEST_TOKEN, username: "herald_e2e_bot", first_name: "Herald" }],
  });
  await sandbox.listen();
  dir = makeTempDir();
});

afterEach(async () => {
  await sandbox.close();
  dir.cleanup();
});

function env(overrides: Record<string, string> = {}) {
  return {
    BOT_TOKEN: TEST_TOKEN,
    BOT_API_ROOT: sandbox.url,
    DATABASE_FILE: join(dir.path, "data", "herald.db"),
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    DEEPLINK_SECRET: TEST_DEEPLINK_SECRET,
    HTTP_PORT: "0",
    LOG_LEVEL: "info",
    ...overrides,
  };
}

describe("Herald as a process", () => {
  it("starts, answers /start and /healthz, and stops on SIGTERM with exit 0", async () => {
    const herald = spawnHerald(env());
    try {
      const running = await herald.waitForLog("Herald is running");
      const health = await fetch(`${running.http as string}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: "ok",
        database: "ok",
        bot: { username: "herald_e2e_bot" },
      });

      const user = sandbox.createUser({ first_name: "Анна", language_code: "ru" });
      sandbox.userStarts(user.id);
      expect((await sandbox.waitForBotMessage(user.id, undefined, { timeoutMs: 20_000 })).text).toMatch(
        /Здравствуйте/,
      );

      herald.child.kill("SIGTERM");
      expect(await herald.exited).toEqual({ code: 0, signal: null });
      const messages = herald.logs().map((r) => r.msg);
      expect(messages).toEqual(expect.arrayContaining(["stopping", "stopped taking updates", "stopped"]));
      expect(herald.stdout() + herald.stderr()).not.toContain(TEST_TOKEN.split(":")[1]);
    } finally {
      herald.child.kill("SIGKILL");
    }
  });

  it("keeps its data across a restart", async () => {
    const first = spawnHerald(env());
    await first.waitForLog("Herald is running");
    const user = sandbox.createUser({ first_name: "Борис" });
    sandbox.userStarts(user.id);
    await sandbox.waitForBotMessage(user.id, undefined, { timeoutMs: 20_000 });
    first.child.kill("SIGINT");
    expect((await first.exited).code).toBe(0);

    const second = spawnHerald(env());
    try {
      await second.waitForLog("Herald is running");
      sandbox.userStarts(user.id);
      const answer = await sandbox.waitForBotMessage(user.id, (m) => /С возвращением/.test(m.text ?? ""), {
        timeoutMs: 20_000,
      });
      expect(answer).toBeTruthy();
      second.child.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
    } finally {
      second.child.kill("SIGKILL");
    }
  });

  it("refuses to start on a bad configuration: exit 1, every problem listed, no stack trace", async () => {
    const herald = spawnHerald({ BOT_TOKEN: "oops", HTTP_PORT: "http" });
    const { code } = await herald.exited;
    expect(code).toBe(1);
    const stderr = herald.stderr();
    expect(stderr).toContain("the configuration has 4 problems");
    expect(stderr).toMatch(/BOT_TOKEN does not look like a bot token/);
    expect(stderr).toMatch(/HTTP_PORT "http"/);
    expect(stderr).toMatch(/WEBHOOK_SECRET is missing/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain("oops");
  });

  it("says clearly when Telegram rejects the token, and never prints it", async () => {
    const wrongToken = "555555555:THIS_token_was_never_issued_by_botfather";
    const herald = spawnHerald(env({ BOT_TOKEN: wrongToken }));
    const { code } = await herald.exited;
    expect(code).toBe(1);
    expect(herald.stderr()).toContain("Telegram rejected BOT_TOKEN (401 Unauthorized)");
    expect(herald.stdout() + herald.stderr()).not.toContain("THIS_token_was_never_issued");
  });
});
