import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald } from "../src/herald.js";
import { createSandbox, type Sandbox } from "../src/sandbox/index.js";
import { TEST_TOKEN, testConfig } from "./helpers/config.js";
import { type CollectedLogs, collectLogs } from "./helpers/log-collector.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import { waitFor } from "./helpers/wait-for.js";

let sandbox: Sandbox;
let herald: Herald | undefined;
let logs: CollectedLogs;
let dir: { path: string; cleanup(): void };

beforeEach(async () => {
  // The strict model: sliding 1-second windows, no grace, waits lengthened by sends into them.
  sandbox = createSandbox({
    bots: [{ token: TEST_TOKEN, username: "herald_test_bot", first_name: "Herald" }],
    model: "strict",
  });
  await sandbox.listen();
  dir = makeTempDir();
  logs = collectLogs([TEST_TOKEN]);
});

afterEach(async () => {
  await herald?.stop();
  herald = undefined;
  await sandbox.close();
  dir.cleanup();
});

describe("Herald under Telegram's strict flood model", () => {
  it("answers every one of 50 attendees sending /start 8 times at once, never sending into a retry_after", async () => {
    const config = testConfig({ BOT_API_ROOT: sandbox.url, DATABASE_FILE: join(dir.path, "herald.db") });
    herald = createHerald({ config, logger: logs.logger, version: "0.0.0-test" });
    await herald.start();
    const users = sandbox.createUsers(
      Array.from({ length: 50 }, (_, i) => ({ first_name: `Гость ${i}`, language_code: "ru" })),
    );
    for (let round = 0; round < 8; round++) for (const user of users) sandbox.userStarts(user.id);

    const answers = (id: number) =>
      sandbox.botMessages(id).filter((m) => /Здравствуйте|С возвращением/.test(m.text ?? ""));
    await waitFor(() => users.every((u) => answers(u.id).length === 8), {
      what: "8 answers for each of 50 attendees",
      timeoutMs: 90_000,
    });

    for (const user of users) {
      expect(
        sandbox
          .botMessages(user.id)
          .map((m) => m.text ?? "")
          .filter((t) => /Что-то пошло не так/.test(t)),
      ).toEqual([]);
    }
    const stats = sandbox.stats();
    expect(stats.violations.penalty).toBe(0);
    // Herald's own pacing keeps every chat and the bulk lane inside the windows: no refusals to wait out.
    expect(stats.violations.perChat + stats.violations.bulk).toBeLessThanOrEqual(2);
  });
});
