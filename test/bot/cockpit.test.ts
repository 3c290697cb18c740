import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald } from "../../src/herald.js";
import { createWebhookClient, type WebhookClient } from "../../src/http/client.js";
import { type ChatRecord, createSandbox, type Sandbox, type SandboxUser } from "../../src/sandbox/index.js";
import { buttonData, createChatReader, pressButton } from "../helpers/bot-chat.js";
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

let sandbox: Sandbox;
let herald: Herald | undefined;
let dir: { path: string; cleanup(): void };
let webhooks: WebhookClient;
let organiser: SandboxUser;
let colleague: SandboxUser;
let group: { id: number };
let logs: ReturnType<typeof collectLogs>;

beforeEach(async () => {
  sandbox = createSandbox({
    bots: [{ token: TEST_TOKEN, username: "herald_test_bot", first_name: "Herald" }],
    limits: { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 },
  });
  await sandbox.listen();
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

async function startHerald(env: Record<string, string> = {}) {
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

function sqlite() {
  const database = herald?.database;
  if (!database) throw new Error("Herald is not running");
  return database.sqlite;
}

/** Attendees who registered, opened their deep link and were approved with a personal ticket link. */
async function seedAttendees(count: number, options: { approve?: number } = {}) {
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

const reader = (chatId: number) => createChatReader(sandbox, chatId);
const press = (user: SandboxUser, chatId: number, message: ChatRecord, label: RegExp) =>
  pressButton(sandbox, user.id, message, label, chatId);

const auditActions = () =>
  sqlite().prepare("SELECT actor_id, action FROM audit_log ORDER BY id").all() as Array<{
    actor_id: number;
    action: string;
  }>;

// Replies to an organiser go through the bot's throttler at about one a second per chat, as
// Telegram wants: a long dialog takes tens of seconds on a slow machine.
describe("the organisers' cockpit", { timeout: 120_000 }, () => {
  it("composes, previews, test-sends, launches and reports a broadcast with personal ticket links", async () => {
    await startHerald();
    const attendees = await seedAttendees(5, { approve: 4 });
    // In the organiser's private chat: a group allows the bot only 20 messages a minute.
    const chat = reader(organiser.id);
    const send = (text: string, extra: Parameters<Sandbox["userSends"]>[2] = {}) =>
      sandbox.userSends(organiser.id, text, extra);

    send("/new");
    await chat.next(/^New broadcast\. Send the message/);
    send("Hello! Your answer {answer_id}, hall {hall}. See you at the forum.", {
      entities: [{ type: "bold", offset: 0, length: 6 }],
    });
    const buttonsPrompt = await chat.next(/^Add URL buttons/);
    expect(buttonData(buttonsPrompt, /No buttons/)).toBe("d:nobuttons");
    send("Your ticket - {ticket_url}\nForum site - https://forum.example.org/?a={answer_id}");

    const audience = await chat.next(/^Who receives it\?/);
    expect(buttonData(audience, /^Approved \(4\)$/)).toBe("d:aud:stage:approved");
    press(organiser, organiser.id, audience, /^Approved/);
    const plan = await chat.next(/^Plan\nAudience: approved\nRecipients: 4/);
    press(organiser, organiser.id, plan, /Continue/);

    const preview = await chat.next(/^Hello! Your answer 5000, hall A\./);
    expect(preview.entities).toEqual([{ type: "bold", offset: 0, length: 6 }]);
    expect(JSON.stringify(preview.reply_markup)).toContain(JSON.stringify(attendees[0]?.ticketUrl));

    const confirm = await chat.next(/^Above: the message as one recipient \(answer no\. 5000\) will see it/);
    press(organiser, organiser.id, confirm, /Test send/);
    const test = await chat.next(/^Hello! Your answer 5000/);
    expect(JSON.stringify(test.reply_markup)).toContain("forum.example.org/?a=5000");
    const afterTest = await chat.next(/^Test message sent/);

    press(organiser, organiser.id, afterTest, /Launch/);
    const progress = await chat.next(/^Broadcast #1 «Hello! Your answer/);
    expect(buttonData(progress, /Pause/)).toBe("bc:pause:1");

    const report = await chat.next(/^Report: broadcast #1/);
    expect(report.text).toContain("Delivered: 4 of 4");
    const csv = await waitFor(() =>
      sandbox.botMessages(organiser.id).find((m) => m.method === "sendDocument"),
    );
    const document = csv.document as { file_id: string; file_name: string };
    expect(document.file_name).toBe("broadcast-1.csv");
    const rows = sandbox.fileContent(document.file_id)?.toString("utf8").trim().split("\n") ?? [];
    expect(rows[0]).toBe("telegram_id,answer_id,status,error,sent_at");
    expect(rows).toHaveLength(5);

    // Every approved attendee got the message once, with their own exact ticket link; the fifth got nothing.
    for (const [i, a] of attendees.entries()) {
      const got = sandbox.botMessages(a.user.id).filter((m) => (m.text ?? "").startsWith("Hello!"));
      if (i === 4) {
        expect(got).toHaveLength(0);
        continue;
      }
      expect(got).toHaveLength(1);
      expect(got[0]?.text).toBe(
        `Hello! Your answer ${a.answerId}, hall ${i % 2 === 0 ? "A" : "B"}. See you at the forum.`,
      );
      const keyboard =
        (got[0]?.reply_markup as { inline_keyboard?: Array<Array<{ url: string }>> } | undefined)
          ?.inline_keyboard ?? [];
      expect(keyboard[0]?.[0]?.url).toBe(a.ticketUrl);
      expect(keyboard[1]?.[0]?.url).toBe(`https://forum.example.org/?a=${a.answerId}`);
      expect(rows.some((row) => row.startsWith(`${a.user.id},${a.answerId},sent,,`))).toBe(true);
    }

    // The progress message ended as done, without controls.
    const finalProgress = await waitFor(() => {
      const message = sandbox.transcript(organiser.id).find((m) => m.message_id === progress.message_id);
      const last = message?.edits.at(-1);
      return last?.text?.includes("done") ? last : undefined;
    });
    expect(JSON.stringify(finalProgress.reply_markup ?? {})).not.toContain("bc:");

    const actions = auditActions().map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["command", "button", "broadcast.test", "broadcast.launch"]),
    );
    expect(auditActions().every((a) => a.actor_id === organiser.id)).toBe(true);
  });

  it("refuses an unknown parameter by name, and /cancel leaves the dialog at any step", async () => {
    await startHerald();
    await seedAttendees(1);
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast/);
    sandbox.userSends(organiser.id, "Dear {nickname}, your ticket: {ticket_url}");
    const refusal = await chat.next(/^Unknown parameter/);
    expect(refusal.text).toContain("{nickname}");
    expect(refusal.text).toMatch(/^Unknown parameter\(s\): \{nickname\}\. Known:/);
    expect(refusal.text).toMatch(/Known: .*\{answer_id\}.*\{ticket_url\}.*\{hall\}/);

    sandbox.userSends(organiser.id, "Dear guest, see you soon");
    const buttons = await chat.next(/^Add URL buttons/);
    sandbox.userSends(organiser.id, "Site - ftp://example.org");
    expect((await chat.next(/^These lines did not work/)).text).toContain("1:");
    sandbox.userSends(organiser.id, "/stats");
    await chat.next(/^Subscribers: 1 active/);

    sandbox.userSends(organiser.id, "/cancel");
    await chat.next(/^Dialog closed\. Nothing was sent\./);
    press(organiser, organiser.id, buttons, /No buttons/);
    await waitFor(() => sandbox.callbackAnswers().find((a) => a.text?.startsWith("This dialog is over")));
    sandbox.userSends(organiser.id, "/cancel");
    await chat.next(/^There is no open dialog/);
    expect(sqlite().prepare("SELECT count(*) AS n FROM broadcasts").get()).toEqual({ n: 0 });
  });

  // Composed in a private chat by a member of the organisers' group (not in ADMIN_IDS), then watched and
  // controlled in the group, where the bot may send only 20 messages a minute.
  it("pauses, resumes and cancels a running broadcast from its progress message", {
    timeout: 120_000,
  }, async () => {
    await startHerald({ BROADCAST_RATE: "1" });
    await seedAttendees(10);
    const own = reader(colleague.id);
    sandbox.userSends(colleague.id, "/new");
    await own.next(/^Новая рассылка/);
    sandbox.userSends(colleague.id, "Напоминание для {answer_id}");
    press(colleague, colleague.id, await own.next(/^Добавьте кнопки/), /Без кнопок/);
    press(colleague, colleague.id, await own.next(/^Кому отправить/), /^Все активные/);
    press(colleague, colleague.id, await own.next(/^План/), /Дальше/);
    press(colleague, colleague.id, await own.next(/^Выше — сообщение/), /Запустить/);
    await own.next(/^Рассылка № 1/);

    const chat = reader(group.id);
    sandbox.userSends(colleague.id, "/broadcasts", { chatId: group.id });
    press(colleague, group.id, await chat.next(/^Последние рассылки/), /^#1 /);
    const progress = await chat.next(/^Рассылка № 1/);

    const status = () =>
      sqlite().prepare("SELECT status, sent, total FROM broadcasts WHERE id = 1").get() as {
        status: string;
        sent: number;
        total: number;
      };
    // Paused mid-way: once the audience is in the outbox and the first message went out (1 a second).
    await waitFor(() => status().total === 10 && status().sent >= 1);
    press(colleague, group.id, progress, /Пауза/);
    await waitFor(() => status().status === "paused");
    const paused = await waitFor(() =>
      sandbox
        .transcript(group.id)
        .find((m) => m.message_id === progress.message_id)
        ?.edits.find((e) => e.text?.includes("на паузе")),
    );
    expect(JSON.stringify(paused.reply_markup)).toContain("bc:resume:1");
    expect(status().sent).toBeLessThan(10);

    sandbox.userPresses(colleague.id, {
      chatId: group.id,
      messageId: progress.message_id,
      data: "bc:resume:1",
    });
    await waitFor(() => status().status === "running");
    sandbox.userPresses(colleague.id, {
      chatId: group.id,
      messageId: progress.message_id,
      data: "bc:cancel:1",
    });
    const confirm = await chat.next(/^Отменить рассылку № 1 насовсем/);
    press(colleague, group.id, confirm, /Да, отменить/);
    await waitFor(() => status().status === "cancelled");
    const report = await chat.next(/^Отчёт: рассылка № 1/);
    const sent = status().sent;
    expect(sent).toBeLessThan(10);
    expect(report.text, JSON.stringify(status())).toContain(`Доставлено: ${sent} из 10`);
    expect(report.text).toMatch(/Отменены: (10|[1-9])\n/);
    expect(auditActions().map((a) => a.action)).toEqual(
      expect.arrayContaining(["broadcast.pause", "broadcast.resume", "broadcast.cancel"]),
    );
  });

  it("imports nothing from a list with bad lines, then a fixed list becomes a segment with attributes", async () => {
    await startHerald();
    const attendees = await seedAttendees(3);
    const chat = reader(organiser.id);
    sandbox.userSendsDocument(organiser.id, {
      fileName: "vip.csv",
      content: "answer_id,seat\n5000,A1\n50-00,A2\n5001\n",
      caption: "VIP",
    });
    const refusal = await chat.next(/^Nothing imported/);
    expect(refusal.text).toMatch(/• 3: .*50-00/);
    expect(refusal.text).toMatch(/• 4: /);
    expect(sqlite().prepare("SELECT count(*) AS n FROM segments").get()).toEqual({ n: 0 });

    sandbox.userSendsDocument(organiser.id, {
      fileName: "vip.csv",
      content: "answer_id,seat\n5000,A1\n5002,B7\n5002,B7\n9999,C1\n",
      caption: "VIP",
    });
    const done = await chat.next(/^List «VIP» imported/);
    expect(done.text).toContain("3 values, 2 known, 1 unknown, 1 duplicate lines");
    expect(done.text).toContain("Parameters {seat} set for 2 registrations");

    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast/);
    sandbox.userSends(organiser.id, "Your seat: {seat}");
    press(organiser, organiser.id, await chat.next(/^Add URL buttons/), /No buttons/);
    press(organiser, organiser.id, await chat.next(/^Who receives it/), /An uploaded list/);
    press(organiser, organiser.id, await chat.next(/^Choose a list/), /^VIP \(3\)/);
    press(organiser, organiser.id, await chat.next(/^Plan\nAudience: list «VIP»\nRecipients: 2/), /Continue/);
    await chat.next(/^Your seat: A1/);
    press(organiser, organiser.id, await chat.next(/^Above: the message/), /Launch/);
    await chat.next(/^Report: broadcast #1/);
    expect(sandbox.botMessages(attendees[0]?.user.id ?? 0).at(-1)?.text).toBe("Your seat: A1");
    expect(sandbox.botMessages(attendees[2]?.user.id ?? 0).at(-1)?.text).toBe("Your seat: B7");
    expect(sandbox.botMessages(attendees[1]?.user.id ?? 0).some((m) => m.text?.startsWith("Your seat"))).toBe(
      false,
    );
  });

  it("in the organisers' group takes only a captioned file as a list", async () => {
    await startHerald();
    await seedAttendees(1);
    const before = sandbox.botMessages(group.id).length;
    sandbox.userSendsDocument(
      colleague.id,
      { fileName: "notes.csv", content: "5000\n" },
      { chatId: group.id },
    );
    sandbox.userSendsDocument(
      colleague.id,
      { fileName: "agenda.pdf", content: "%PDF", caption: "Agenda" },
      { chatId: group.id },
    );
    sandbox.userSendsDocument(
      colleague.id,
      { fileName: "hall-a.txt", content: "5000\n", caption: "Hall A" },
      { chatId: group.id },
    );
    const done = await reader(group.id).next(/^Список «Hall A» загружен/);
    // Updates of one chat are handled in order: the two earlier files got no answer at all.
    expect(
      sandbox
        .botMessages(group.id)
        .slice(before)
        .map((m) => m.message_id),
    ).toEqual([done.message_id]);
    expect(sqlite().prepare("SELECT name, size FROM segments").all()).toEqual([{ name: "Hall A", size: 1 }]);
  });

  it("keeps a dialog through a restart", async () => {
    await startHerald();
    await seedAttendees(2);
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast/);
    sandbox.userSends(organiser.id, "After the restart, {answer_id}");
    await chat.next(/^Add URL buttons/);

    await herald?.stop();
    herald = undefined;
    await startHerald();

    sandbox.userSends(organiser.id, "Ticket - {ticket_url}");
    press(organiser, organiser.id, await chat.next(/^Who receives it/), /^All active/);
    press(organiser, organiser.id, await chat.next(/^Plan/), /Continue/);
    await chat.next(/^After the restart, 500[01]/);
    press(organiser, organiser.id, await chat.next(/^Above: the message/), /Launch/);
    const report = await chat.next(/^Report: broadcast #1/);
    expect(report.text).toContain("Delivered: 2 of 2");
  });

  it("saves a template, reuses it, and schedules the broadcast for later", async () => {
    await startHerald({ TIMEZONE: "Europe/Moscow" });
    await seedAttendees(2);
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast/);
    sandbox.userSends(organiser.id, "Doors open at 10:00, {answer_id}!");
    press(organiser, organiser.id, await chat.next(/^Add URL buttons/), /No buttons/);
    press(organiser, organiser.id, await chat.next(/^Who receives it/), /^All active/);
    press(organiser, organiser.id, await chat.next(/^Plan/), /Continue/);
    await chat.next(/^Doors open at 10:00, 500[01]!/);
    press(organiser, organiser.id, await chat.next(/^Above: the message/), /Save as template/);
    await chat.next(/^Name the template/);
    sandbox.userSends(organiser.id, "Doors");
    const saved = await chat.next(/^Template «Doors» saved\./);
    press(organiser, organiser.id, saved, /Cancel/);
    await chat.next(/^Dialog closed/);
    // The cancelled dialog's draft (#1) is gone; the next broadcast takes a new number.
    expect(sqlite().prepare("SELECT count(*) AS n FROM broadcasts").get()).toEqual({ n: 0 });

    sandbox.userSends(organiser.id, "/templates");
    press(organiser, organiser.id, await chat.next(/^Templates:/), /Doors/);
    await chat.next(/^New broadcast from the template «Doors»/);
    press(organiser, organiser.id, await chat.next(/^Who receives it/), /^All active/);
    const plan = await chat.next(/^Plan/);
    press(organiser, organiser.id, plan, /Start time/);
    await chat.next(/^Send the start time as YYYY-MM-DD HH:MM \(Europe\/Moscow\)/);
    sandbox.userSends(organiser.id, "2020-01-01 10:00");
    await chat.next(/^That time has passed/);
    sandbox.userSends(organiser.id, "tomorrow morning");
    await chat.next(/^Could not read the time/);
    // Two days ahead, 10:00 in Moscow (UTC+3): 07:00 UTC.
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    sandbox.userSends(organiser.id, `${day} 10:00`);
    const scheduledPlan = await chat.next(/^Plan\n/);
    press(organiser, organiser.id, scheduledPlan, /Deadline/);
    await chat.next(/^Send the deadline/);
    sandbox.userSends(organiser.id, `${day} 09:00`);
    await chat.next(/^The deadline must come after the start/);
    sandbox.userSends(organiser.id, "none");
    await chat.next(/^Plan\n/);
    expect(scheduledPlan.text).toMatch(/Start: \d\d\/\d\d\/\d{4}, 10:00/);
    press(organiser, organiser.id, scheduledPlan, /Continue/);
    await chat.next(/^Doors open at 10:00/);
    press(organiser, organiser.id, await chat.next(/^Above: the message/), /Launch/);
    const progress = await chat.next(/^Broadcast #2 «Doors open/);
    expect(progress.text).toMatch(/scheduled for \d\d\/\d\d\/\d{4}, 10:00/);
    const row = sqlite().prepare("SELECT status, scheduled_at, sent FROM broadcasts WHERE id = 2").get() as {
      status: string;
      scheduled_at: number;
      sent: number;
    };
    expect(row).toEqual({ status: "scheduled", scheduled_at: Date.parse(`${day}T07:00:00Z`), sent: 0 });
    expect(auditActions().map((a) => a.action)).toContain("template.save");
  });

  it("tells an organiser whose stored dialog could not be resumed, instead of staying silent", async () => {
    await startHerald();
    // A dialog stored by an older, incompatible version of Herald.
    sqlite()
      .prepare("INSERT INTO dialogs (key, state, updated_at) VALUES (?, ?, ?)")
      .run(`${organiser.id}:${organiser.id}`, JSON.stringify({ version: [0, -1], state: {} }), Date.now());
    sandbox.userSends(organiser.id, "Ticket - {ticket_url}");
    await reader(organiser.id).next(/^No dialog is open\. Organiser commands/);
  });

  it("is invisible to attendees: no organiser commands, menus, buttons or uploads", async () => {
    await startHerald();
    const attendee = sandbox.createUser({ first_name: "Anna", language_code: "en" });
    sandbox.userStarts(attendee.id);
    const chat = reader(attendee.id);
    await chat.next(/^Hello!/);

    const names = (commands: unknown[]) => commands.map((c) => (c as { command: string }).command);
    expect(names(sandbox.commandsFor(attendee.id))).toEqual(["start", "stop", "help"]);
    expect(names(sandbox.commandsFor(organiser.id))).toContain("new");
    expect(names(sandbox.commandsFor(group.id, { userId: colleague.id }))).toContain("broadcasts");

    for (const command of ["/new", "/admin", "/stats", "/broadcasts", "/cancel"]) {
      sandbox.userSends(attendee.id, command);
      await chat.next(/^I don't know that command/);
    }
    sandbox.userSendsDocument(attendee.id, { fileName: "list.txt", content: "5000\n" });
    await chat.next(/^I don't answer messages yet/);
    sandbox.userSends(attendee.id, "/help");
    await chat.next(/^I send your ticket/);
    expect(sqlite().prepare("SELECT count(*) AS n FROM audit_log").get()).toEqual({ n: 0 });
    expect(sqlite().prepare("SELECT count(*) AS n FROM segments").get()).toEqual({ n: 0 });

    // An organiser's colleague from the group gets the cockpit in private too, and their menu appears.
    sandbox.userSends(colleague.id, "/stats");
    await reader(colleague.id).next(/^Подписчики: активных 1/);
    expect(names(sandbox.commandsFor(colleague.id))).toContain("new");
  });
});
