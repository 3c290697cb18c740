import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald } from "../src/herald.js";
import { createWebhookClient } from "../src/http/client.js";
import type { Sandbox } from "../src/sandbox/index.js";
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "./helpers/config.js";
import { type CollectedLogs, collectLogs } from "./helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "./helpers/sandbox.js";
import { storedText } from "./helpers/stored-text.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import { waitFor } from "./helpers/wait-for.js";

const FORM_URL = "https://forum.example.org/register?utm=bot";

let sandbox: Sandbox;
let herald: Herald;
let logs: CollectedLogs;
let dir: { path: string; cleanup(): void };
let organiser: ReturnType<typeof createWebhookClient>;
let adminChat: { id: number };

beforeEach(async () => {
  // Content-focused: Telegram's flood limits are exercised by the sandbox's own tests and the benchmark.
  sandbox = await listeningSandbox({
    bot: { username: "forum_bot", first_name: "Forum" },
    limits: NO_FLOOD_LIMITS,
  });
  dir = makeTempDir();
  logs = collectLogs([TEST_TOKEN, TEST_WEBHOOK_SECRET], "debug");
  const lead = sandbox.createUser({ first_name: "Организатор" });
  adminChat = sandbox.createGroup({ title: "Организаторы форума", memberIds: [lead.id] });
  const config = testConfig({
    ADMIN_CHAT_ID: String(adminChat.id),
    BOT_API_ROOT: sandbox.url,
    DATABASE_FILE: join(dir.path, "herald.db"),
    FORM_URL,
    LOG_LEVEL: "trace",
  });
  herald = createHerald({ config, logger: logs.logger, version: "test" });
  const { httpUrl } = await herald.start();
  organiser = createWebhookClient(httpUrl, TEST_WEBHOOK_SECRET);
});

afterEach(async () => {
  await herald.stop();
  await sandbox.close();
  dir.cleanup();
});

const sqlite = () => {
  const database = herald.database;
  if (!database) throw new Error("Herald is not running");
  return database.sqlite;
};
const payloadOf = (deepLink: unknown) => new URL(String(deepLink)).searchParams.get("start") ?? "";
const lastId = (chatId: number) => sandbox.botMessages(chatId).at(-1)?.message_id ?? 0;

/** The attendee's next message from the bot after the ones already seen. */
async function nextMessage(chatId: number, after = lastId(chatId), predicate?: (text: string) => boolean) {
  return sandbox.waitForBotMessage(
    chatId,
    (m) => m.message_id > after && (predicate?.(m.text ?? "") ?? true),
  );
}

function buttonUrls(message: { reply_markup?: unknown }): string[] {
  const markup = message.reply_markup as { inline_keyboard?: Array<Array<{ url?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().flatMap((b) => (b.url ? [b.url] : []));
}

describe("form first: the thank-you page's deep link, then moderation", () => {
  it("binds the answer on /start and delivers the ticket link exactly as the organiser sent it", async () => {
    const submitted = await organiser.submit("10001", { attributes: { track: "main" } });
    expect(submitted.status).toBe(201);
    expect(String(submitted.body.deep_link)).toMatch(/^https:\/\/t\.me\/forum_bot\?start=a-10001-[\w-]{16}$/);

    const anna = sandbox.createUser({ first_name: "Анна", language_code: "ru" });
    sandbox.userStarts(anna.id, payloadOf(submitted.body.deep_link));
    expect((await nextMessage(anna.id, 0)).text).toBe(
      "Готово! Заявка № 10001 связана с этим чатом. Когда её одобрят, билет придёт сюда.",
    );
    // Scenarios are off here (SCENARIOS=off): the binding enrols nobody and queues no welcome.
    expect(sqlite().prepare("SELECT count(*) AS n FROM scenario_runs").get()).toEqual({ n: 0 });
    expect(
      sqlite().prepare("SELECT count(*) AS n FROM deliveries WHERE job_key LIKE 'scenario:%'").get(),
    ).toEqual({ n: 0 });

    const ticketUrl = "https://tickets.example.org/t/10001?sig=a1b2&lang=ru";
    const before = lastId(anna.id);
    const approved = await organiser.approve("10001", ticketUrl);
    expect(approved).toEqual({
      status: 200,
      body: { answer_id: "10001", decision: "approved", delivery: "queued", ticket_version: 1 },
    });
    const ticket = await nextMessage(anna.id, before);
    expect(ticket.text).toContain("Ваш билет");
    expect(ticket.text).toContain(ticketUrl);
    expect(buttonUrls(ticket)).toEqual([ticketUrl]);
  });

  it("holds an approval that comes before the attendee opens the bot, and sends it at binding", async () => {
    const submitted = await organiser.submit("10002");
    const ticketUrl = "https://tickets.example.org/t/10002";
    expect((await organiser.approve("10002", ticketUrl)).body.delivery).toBe("held_until_bound");

    const john = sandbox.createUser({ first_name: "John", language_code: "en" });
    sandbox.userStarts(john.id, payloadOf(submitted.body.deep_link));
    const done = await nextMessage(john.id, 0, (text) => text.startsWith("Done!"));
    expect(done.text).toMatch(/^Done! Application no\. 10002 is linked.*already been decided/);
    const ticket = await nextMessage(john.id, 0, (text) => text.includes("Your event ticket"));
    expect(buttonUrls(ticket)).toEqual([ticketUrl]);
  });

  it("is idempotent on a repeated /start, and refuses an answer bound to someone else", async () => {
    const link = payloadOf((await organiser.submit("10003")).body.deep_link);
    const owner = sandbox.createUser({ first_name: "Олег" });
    const other = sandbox.createUser({ first_name: "Чужой" });
    sandbox.userStarts(owner.id, link);
    await nextMessage(owner.id, 0);

    sandbox.userStarts(owner.id, link);
    expect((await nextMessage(owner.id)).text).toBe(
      "Заявка № 10003 уже связана с этим чатом. Заявка на модерации: билет придёт сюда, как только её одобрят.",
    );

    sandbox.userStarts(other.id, link);
    expect((await nextMessage(other.id, 0)).text).toMatch(
      /уже связана с другим аккаунтом Telegram.*организаторам/,
    );
    expect(sqlite().prepare("SELECT telegram_id FROM registrations WHERE answer_id = '10003'").get()).toEqual(
      {
        telegram_id: owner.id,
      },
    );
    expect(sqlite().prepare("SELECT answer_id, telegram_id FROM bind_conflicts").all()).toEqual([
      { answer_id: "10003", telegram_id: other.id },
    ]);
    const alert = await sandbox.waitForBotMessage(adminChat.id);
    expect(alert.text).toContain("Конфликт привязки");
    expect(alert.text).toContain(`Заявка № 10003 уже связана с Telegram ID ${owner.id}`);
    expect(alert.text).toContain(`Telegram ID ${other.id}`);

    // The ticket goes to the owner only.
    await organiser.approve("10003", "https://tickets.example.org/t/10003");
    await nextMessage(owner.id, lastId(owner.id), (text) => text.includes("Ваш билет"));
    expect(sandbox.botMessages(other.id)).toHaveLength(1);
  });

  it("answers a forged or malformed link kindly and binds nothing", async () => {
    const real = payloadOf((await organiser.submit("10004")).body.deep_link);
    const forged = `${real.slice(0, -4)}AAAA`;
    const guessed = "a-10005";
    const user = sandbox.createUser({ first_name: "Мэллори" });
    for (const payload of [forged, guessed, "a-10004-short", "hello world", "x".repeat(64)]) {
      const before = lastId(user.id);
      sandbox.userStarts(user.id, payload);
      expect((await nextMessage(user.id, before)).text).toMatch(/^Эта ссылка не подошла/);
    }
    expect(
      sqlite().prepare("SELECT count(*) AS n FROM registrations WHERE telegram_id IS NOT NULL").get(),
    ).toEqual({
      n: 0,
    });
    expect(sqlite().prepare("SELECT count(*) AS n FROM registrations").get()).toEqual({ n: 1 });
  });
});

describe("moderation outcomes", () => {
  it("tells a rejected attendee, with the organisers' note", async () => {
    const link = payloadOf((await organiser.submit("20001")).body.deep_link);
    const user = sandbox.createUser({ first_name: "Пётр" });
    sandbox.userStarts(user.id, link);
    await nextMessage(user.id, 0);
    const before = lastId(user.id);
    await organiser.reject("20001", "Зал заполнен <полностью> & навсегда");
    const message = await nextMessage(user.id, before);
    expect(message.text).toBe(
      "К сожалению, заявка № 20001 не прошла модерацию.\n\nКомментарий организаторов:\nЗал заполнен <полностью> & навсегда",
    );
  });

  it("refuses a different link without replace, and sends the new one with a note when replaced", async () => {
    const link = payloadOf((await organiser.submit("20002")).body.deep_link);
    const user = sandbox.createUser({ first_name: "Вера" });
    sandbox.userStarts(user.id, link);
    await nextMessage(user.id, 0);
    await organiser.approve("20002", "https://tickets.example.org/old");
    const first = await nextMessage(user.id, lastId(user.id), (t) => t.includes("Ваш билет"));

    const conflict = await organiser.approve("20002", "https://tickets.example.org/new");
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe("ticket_conflict");
    expect((await organiser.approve("20002", "https://tickets.example.org/old")).body.delivery).toBe(
      "unchanged",
    );

    const replaced = await organiser.approve("20002", "https://tickets.example.org/new", { replace: true });
    expect(replaced.body).toMatchObject({ delivery: "queued", ticket_version: 2 });
    const second = await nextMessage(user.id, first.message_id);
    expect(second.text).toMatch(/обновили ваш билет/);
    expect(buttonUrls(second)).toEqual(["https://tickets.example.org/new"]);
    expect(sandbox.botMessages(user.id).filter((m) => m.text?.includes("Ваш билет"))).toHaveLength(2);
  });
});

describe("bot first: an invitation link, then the form", () => {
  it("gives the form URL with a signed reference, and binds the submission that carries it", async () => {
    const maria = sandbox.createUser({ first_name: "Мария", language_code: "ru" });
    sandbox.userStarts(maria.id);
    const welcome = await nextMessage(maria.id, 0);
    expect(welcome.text).toMatch(/заполните форму/);
    const [formLink] = buttonUrls(welcome);
    const url = new URL(String(formLink));
    expect(`${url.origin}${url.pathname}`).toBe("https://forum.example.org/register");
    expect(url.searchParams.get("utm")).toBe("bot");
    const ref = url.searchParams.get("ref") ?? "";

    const submitted = await organiser.submit("30001", { ref });
    expect(submitted.body).toMatchObject({ created: true, binding: "bound" });
    expect((await nextMessage(maria.id, welcome.message_id)).text).toBe(
      "Заявка № 30001 получена и связана с этим чатом. Когда её одобрят, билет придёт сюда.",
    );

    await organiser.approve("30001", "https://tickets.example.org/t/30001");
    const ticket = await nextMessage(maria.id, welcome.message_id, (t) => t.includes("Ваш билет"));
    expect(buttonUrls(ticket)).toEqual(["https://tickets.example.org/t/30001"]);
  });
});

describe("subscription lifecycle", () => {
  it("/stop asks to confirm, unsubscribes, and /start brings the subscriber back", async () => {
    const user = sandbox.createUser({ first_name: "Ира", language_code: "ru" });
    sandbox.userStarts(user.id);
    await nextMessage(user.id, 0);
    const status = () =>
      sqlite().prepare("SELECT status FROM subscribers WHERE telegram_id = ?").get(user.id);

    sandbox.userSends(user.id, "/stop");
    const confirm = await nextMessage(user.id);
    expect(confirm.text).toMatch(/^Отписаться от сообщений бота\?/);
    sandbox.userPresses(user.id, { messageId: confirm.message_id, data: "stop:yes" });
    await waitFor(
      () => sandbox.transcript(user.id).find((m) => m.message_id === confirm.message_id)?.edits.length,
    );
    expect(
      sandbox
        .transcript(user.id)
        .find((m) => m.message_id === confirm.message_id)
        ?.edits.at(-1)?.text,
    ).toBe("Вы отписались. Чтобы вернуться, отправьте /start.");
    expect(status()).toEqual({ status: "unsubscribed" });

    sandbox.userSends(user.id, "/stop");
    expect((await nextMessage(user.id, confirm.message_id)).text).toMatch(/^Вы уже отписаны/);

    sandbox.userStarts(user.id);
    await nextMessage(
      user.id,
      lastId(user.id),
      (t) => t.startsWith("Здравствуйте") || t.startsWith("С возвращением"),
    );
    expect(status()).toEqual({ status: "active" });
  });

  it("follows blocks and unblocks, and marks a subscriber blocked when a send gets 403", async () => {
    const user = sandbox.createUser({ first_name: "Гоша" });
    const link = payloadOf((await organiser.submit("40001")).body.deep_link);
    sandbox.userStarts(user.id, link);
    await nextMessage(user.id, 0);
    const status = () =>
      (
        sqlite().prepare("SELECT status FROM subscribers WHERE telegram_id = ?").get(user.id) as {
          status: string;
        }
      ).status;

    sandbox.blockBot(user.id);
    await waitFor(() => status() === "blocked", { what: "blocked after my_chat_member" });
    sandbox.unblockBot(user.id);
    await waitFor(() => status() === "active", { what: "active after unblocking" });

    sandbox.blockBot(user.id);
    await waitFor(() => status() === "blocked");
    // Telegram's answer to a send is the other signal: reset the status to see the 403 set it again.
    sqlite().prepare("UPDATE subscribers SET status = 'active' WHERE telegram_id = ?").run(user.id);
    await organiser.approve("40001", "https://tickets.example.org/t/40001");
    const delivery = await waitFor(
      () => {
        const row = sqlite()
          .prepare("SELECT status FROM deliveries WHERE job_key = 'ticket:40001:v1'")
          .get() as { status: string } | undefined;
        return row && row.status !== "pending" && row.status !== "sending" ? row : undefined;
      },
      { what: "the ticket delivery to finish" },
    );
    expect(delivery.status).toBe("blocked");
    expect(status()).toBe("blocked");
  });
});

describe("privacy", () => {
  it("stores and logs no names, usernames or phones through a whole flow", async () => {
    const people = [
      { first_name: "Аграфена", last_name: "Пантелеймонова", username: "agrafena_p", language_code: "ru" },
      { first_name: "Bartholomew", last_name: "Quigley", username: "bart_quigley", language_code: "en" },
    ];
    for (const [i, person] of people.entries()) {
      const user = sandbox.createUser(person);
      const answerId = `5000${i}`;
      const link = payloadOf((await organiser.submit(answerId)).body.deep_link);
      sandbox.userStarts(user.id, link);
      await nextMessage(user.id, 0);
      await organiser.approve(answerId, `https://tickets.example.org/t/${answerId}`);
      await nextMessage(user.id, lastId(user.id), (t) => /ticket|билет/i.test(t));
      sandbox.userSends(user.id, "Мой телефон +7 999 123-45-67");
      await nextMessage(user.id);
      sandbox.userSends(user.id, "/stop");
      await nextMessage(user.id);
    }
    await herald.stop();

    const stored = storedText(dir.path);
    const logged = logs.text();
    expect(logged.length).toBeGreaterThan(0);
    for (const person of people) {
      for (const value of [person.first_name, person.last_name, person.username]) {
        expect(stored).not.toContain(value);
        expect(logged).not.toContain(value);
      }
    }
    expect(stored).not.toContain("999 123-45-67");
    expect(logged).not.toContain("999 123-45-67");
  });
});
