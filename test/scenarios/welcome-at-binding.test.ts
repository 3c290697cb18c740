import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import type { Config } from "../../src/config.js";
import { openDatabase } from "../../src/db/client.js";
import { createHerald, type Herald } from "../../src/herald.js";
import { wireParts } from "../../src/herald-wiring.js";
import { createWebhookClient } from "../../src/http/client.js";
import type { Sandbox, SandboxUser } from "../../src/sandbox/index.js";
import { createChatReader, pressButton } from "../helpers/bot-chat.js";
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "../helpers/sandbox.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/*
 * The welcome of "finish your registration" goes out with the binding, through the real bot and the
 * real HTTP server, without a scenario tick: none is run here, and a cron tick that a minute boundary
 * might bring meanwhile would show in the data (it queues at least a millisecond after the binding).
 */

let sandbox: Sandbox;
let herald: Herald;
let dir: { path: string; cleanup(): void };
let organiser: SandboxUser;
let webhooks: ReturnType<typeof createWebhookClient>;
let config: Config;
const logs = () => collectLogs([TEST_TOKEN]).logger;

beforeEach(async () => {
  sandbox = await listeningSandbox({
    bot: { username: "forum_bot", first_name: "Forum" },
    limits: NO_FLOOD_LIMITS,
  });
  dir = makeTempDir();
  organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" }, { started: true });
  config = testConfig({
    BOT_API_ROOT: sandbox.url,
    DATABASE_FILE: join(dir.path, "herald.db"),
    ADMIN_IDS: String(organiser.id),
    FORM_URL: "https://forum.example.org/register",
    // "At once" is the rule outside quiet hours; the tests must not depend on the time of day.
    QUIET_HOURS: "off",
    SCENARIOS: "on",
  });
  herald = createHerald({ config, logger: logs(), version: "0.0.0-test" });
  const { httpUrl } = await herald.start();
  webhooks = createWebhookClient(httpUrl, TEST_WEBHOOK_SECRET);
});

afterEach(async () => {
  await herald.stop();
  await sandbox.close();
  dir.cleanup();
});

const sqlite = () => {
  if (!herald.database) throw new Error("Herald is not running");
  return herald.database.sqlite;
};
const payloadOf = (deepLink: unknown) => new URL(String(deepLink)).searchParams.get("start") ?? "";
const isWelcome = (text: string | undefined) => /^(Добро пожаловать!|Welcome!)/.test(text ?? "");
const welcomesTo = (chatId: number) => sandbox.botMessages(chatId).filter((m) => isWelcome(m.text));

/** The person's deliveries of "finish your registration", with when their answer was bound. */
function scenarioDeliveries(telegramId: number) {
  return sqlite()
    .prepare(
      `SELECT d.job_key, d.status, d.created_at, d.sent_at, r.bound_at FROM deliveries d
       JOIN registrations r ON r.telegram_id = d.telegram_id
       WHERE d.telegram_id = ? AND d.job_key LIKE 'scenario:finish_registration:%' ORDER BY d.id`,
    )
    .all(telegramId) as Array<{
    job_key: string;
    status: string;
    created_at: number;
    sent_at: number | null;
    bound_at: number;
  }>;
}

/** The welcome went out once, queued in the binding's own transaction (its millisecond), and stays once after a tick. */
async function expectOneWelcomeQueuedWithBinding(telegramId: number) {
  const [welcome, ...more] = scenarioDeliveries(telegramId);
  expect(more).toEqual([]);
  expect(welcome).toMatchObject({ job_key: expect.stringMatching(/^scenario:finish_registration:\d+:1$/) });
  expect(welcome?.created_at).toBe(welcome?.bound_at);

  await herald.scheduler?.runNow("scenarios");
  expect(scenarioDeliveries(telegramId)).toHaveLength(1);
  expect(
    sqlite()
      .prepare(
        "SELECT status, next_step, last_step_sent FROM scenario_runs WHERE telegram_id = ? AND scenario_id = 'finish_registration'",
      )
      .all(telegramId),
  ).toEqual([{ status: "active", next_step: 2, last_step_sent: 1 }]);
  expect(welcomesTo(telegramId)).toHaveLength(1);
}

describe("the welcome comes with the binding", { timeout: 60_000 }, () => {
  it("after the deep link, without waiting for a scenario tick", async () => {
    const submitted = await webhooks.submit("61001");
    const anna = sandbox.createUser({ first_name: "Анна", language_code: "ru" });
    sandbox.userStarts(anna.id, payloadOf(submitted.body.deep_link));

    const welcome = await sandbox.waitForBotMessage(anna.id, (m) => isWelcome(m.text));
    expect(welcome.text).toContain("Анкета № 61001 связана с этим чатом");
    await sandbox.waitForBotMessage(anna.id, (m) => m.text?.startsWith("Готово! Заявка № 61001") ?? false);
    await expectOneWelcomeQueuedWithBinding(anna.id);
  });

  it("after a form submission with the attendee's signed reference", async () => {
    const maria = sandbox.createUser({ first_name: "Мария", language_code: "en" });
    sandbox.userStarts(maria.id);
    const invitation = await sandbox.waitForBotMessage(maria.id);
    const markup = invitation.reply_markup as { inline_keyboard: Array<Array<{ url: string }>> };
    const ref = new URL(String(markup.inline_keyboard[0]?.[0]?.url)).searchParams.get("ref") ?? "";

    const submitted = await webhooks.submit("61002", { ref });
    expect(submitted.body).toMatchObject({ created: true, binding: "bound" });
    const welcome = await sandbox.waitForBotMessage(maria.id, (m) => isWelcome(m.text));
    expect(welcome.text).toContain("Application no. 61002 is linked to this chat");
    await sandbox.waitForBotMessage(
      maria.id,
      (m) => m.text?.includes("Application no. 61002 has arrived") ?? false,
    );
    await expectOneWelcomeQueuedWithBinding(maria.id);
  });

  it("not while the organisers have the scenario switched off", async () => {
    const next = createChatReader(sandbox, organiser.id).next;
    sandbox.userSends(organiser.id, "/scenarios");
    const list = await next(/^Reminder scenarios/);
    pressButton(sandbox, organiser.id, list, /Turn off «Finish your registration»/);
    await next(/^«Finish your registration» is off\./);

    const submitted = await webhooks.submit("61003");
    const ivan = sandbox.createUser({ first_name: "Иван", language_code: "ru" });
    sandbox.userStarts(ivan.id, payloadOf(submitted.body.deep_link));
    await sandbox.waitForBotMessage(ivan.id, (m) => m.text?.startsWith("Готово! Заявка № 61003") ?? false);
    // The answer is committed with the binding: whatever the binding queued is in the data by now.
    expect(scenarioDeliveries(ivan.id)).toEqual([]);
    await herald.scheduler?.runNow("scenarios");
    expect(scenarioDeliveries(ivan.id)).toEqual([]);
    expect(
      sqlite()
        .prepare("SELECT count(*) AS n FROM scenario_runs WHERE scenario_id = 'finish_registration'")
        .get(),
    ).toEqual({ n: 0 });
  });

  it("not to an attendee the organisers decided on before they opened the bot: the ticket or the answer only", async () => {
    const approved = await webhooks.submit("61005");
    expect((await webhooks.approve("61005", "https://tickets.example.org/t/61005")).status).toBe(200);
    const rejected = await webhooks.submit("61006");
    expect((await webhooks.reject("61006")).status).toBe(200);

    const olga = sandbox.createUser({ first_name: "Ольга", language_code: "ru" });
    sandbox.userStarts(olga.id, payloadOf(approved.body.deep_link));
    await sandbox.waitForBotMessage(olga.id, (m) =>
      JSON.stringify(m.reply_markup ?? "").includes("/t/61005"),
    );
    const oleg = sandbox.createUser({ first_name: "Олег", language_code: "ru" });
    sandbox.userStarts(oleg.id, payloadOf(rejected.body.deep_link));
    await sandbox.waitForBotMessage(oleg.id, (m) => m.text?.includes("не прошла модерацию") ?? false);

    // Both bindings are committed (their decisions went out): whatever they queued is in the data.
    await herald.scheduler?.runNow("scenarios");
    for (const person of [olga, oleg]) {
      expect(scenarioDeliveries(person.id)).toEqual([]);
      expect(welcomesTo(person.id)).toEqual([]);
    }
    expect(
      sqlite()
        .prepare(
          "SELECT stop_reason FROM scenario_runs WHERE scenario_id = 'finish_registration' ORDER BY id",
        )
        .all(),
    ).toEqual([{ stop_reason: "ticket_sent" }, { stop_reason: "rejected" }]);
  });

  it("is not lost when Herald stops right after the binding commits: it goes out once at the next start", async () => {
    const petr = sandbox.createUser({ first_name: "Пётр", language_code: "ru" });
    sandbox.userStarts(petr.id);
    await sandbox.waitForBotMessage(petr.id);
    await herald.stop();

    // The binding commits through the real wiring while no sender runs: as if the process died
    // between the commit and the send.
    const database = openDatabase(config.databaseFile);
    const parts = wireParts({
      config,
      logger: logs(),
      clock: systemClock,
      database,
      bot: () => {
        throw new Error("no bot while Herald is down");
      },
    });
    expect(parts.registrations.recordSubmission({ answerId: "61004", telegramId: petr.id }).binding).toBe(
      "bound",
    );
    database.close();

    herald = createHerald({ config, logger: logs(), version: "0.0.0-test" });
    await herald.start();
    const welcome = await sandbox.waitForBotMessage(petr.id, (m) => isWelcome(m.text));
    expect(welcome.text).toContain("Анкета № 61004 связана с этим чатом");
    await expectOneWelcomeQueuedWithBinding(petr.id);
  });
});
