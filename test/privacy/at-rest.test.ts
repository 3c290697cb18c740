import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald } from "../../src/herald.js";
import { createWebhookClient, type WebhookClient } from "../../src/http/client.js";
import type { ChatRecord, Sandbox, SandboxUser } from "../../src/sandbox/index.js";
import { createChatReader, pressButton } from "../helpers/bot-chat.js";
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "../helpers/config.js";
import { type CollectedLogs, collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "../helpers/sandbox.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/**
 * Herald promises to keep nothing personal: Telegram IDs, form-answer numbers and service data only.
 * People with names nobody else has use the bot as they would (an organiser composes and launches a
 * broadcast in the admin chat and shares a contact in the middle of it, a colleague starts one in her
 * private chat, an attendee opens her link, writes her name and phone and shares her contact), and
 * then the raw bytes of the database, its write-ahead log and every log line are searched for them.
 */
const ORGANISER = { first_name: "Zyxwvuta", last_name: "Qopqrstuv", username: "zz_unique_handle_931" };
const COLLEAGUE = { first_name: "Эльвира", last_name: "Щукинова", username: "elvira_shch_482" };
const ATTENDEE = { first_name: "Аполлинария", last_name: "Вертихвосткина", username: "apoll_vert_557" };
const ATTENDEE_PHONE = "+79035550199";
/** Someone in the organiser's address book, shared into the dialog. */
const CONTACT = {
  phone_number: "+79161234567",
  first_name: "Контактина",
  last_name: "Телефонова",
  vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Контактина Телефонова\nEMAIL:kontaktina.tel@example.org\nEND:VCARD",
};
/** A group's title is its members' choice and may name them: Herald keeps it nowhere either. */
const GROUP_TITLE = "Штаб Xqvzgroup";

const NEEDLES = [
  ...Object.values(ORGANISER),
  ...Object.values(COLLEAGUE),
  ...Object.values(ATTENDEE),
  ATTENDEE_PHONE,
  ATTENDEE_PHONE.slice(1),
  CONTACT.phone_number,
  CONTACT.phone_number.slice(1),
  CONTACT.first_name,
  CONTACT.last_name,
  "kontaktina.tel",
  "Xqvzgroup",
];

/** A shared, loaded machine answers slowly; the test waits for what it expects, not a fixed time. */
const PATIENT = { timeoutMs: 30_000 };

let sandbox: Sandbox;
let herald: Herald | undefined;
let dir: { path: string; cleanup(): void };
let logs: CollectedLogs;
let webhooks: WebhookClient;
let organiser: SandboxUser;
let colleague: SandboxUser;
let attendee: SandboxUser;
let group: { id: number };
const allLogs: string[] = [];

beforeEach(async () => {
  sandbox = await listeningSandbox({ limits: NO_FLOOD_LIMITS });
  dir = makeTempDir();
  organiser = sandbox.createUser({ ...ORGANISER, language_code: "en" }, { started: true });
  colleague = sandbox.createUser({ ...COLLEAGUE, language_code: "ru" }, { started: true });
  attendee = sandbox.createUser({ ...ATTENDEE, language_code: "ru" });
  group = sandbox.createGroup({ title: GROUP_TITLE, memberIds: [organiser.id, colleague.id] });
  allLogs.length = 0;
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.error(logs?.lines.slice(-40).join(""));
  await herald?.stop();
  herald = undefined;
  await sandbox.close();
  dir.cleanup();
});

const databaseFile = () => join(dir.path, "herald.db");

async function startHerald() {
  logs = collectLogs([TEST_TOKEN], "trace");
  herald = createHerald({
    config: testConfig({
      BOT_API_ROOT: sandbox.url,
      DATABASE_FILE: databaseFile(),
      ADMIN_IDS: String(organiser.id),
      ADMIN_CHAT_ID: String(group.id),
      QUIET_HOURS: "off",
      LOG_LEVEL: "trace",
    }),
    logger: logs.logger,
    version: "0.0.0-test",
  });
  const started = await herald.start();
  webhooks = createWebhookClient(started.httpUrl, TEST_WEBHOOK_SECRET);
}

async function stopHerald() {
  await herald?.stop();
  herald = undefined;
  allLogs.push(logs.text());
}

function sqlite() {
  if (!herald?.database) throw new Error("Herald is not running");
  return herald.database.sqlite;
}

function occurrences(haystack: Buffer, needle: string): number {
  const bytes = Buffer.from(needle, "utf8");
  let count = 0;
  for (let at = haystack.indexOf(bytes); at !== -1; at = haystack.indexOf(bytes, at + 1)) count++;
  return count;
}

/** How often each distinctive string occurs in the given bytes; only those found are listed. */
function found(what: Record<string, Buffer>): Record<string, number> {
  const hits: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(what)) {
    for (const needle of NEEDLES) {
      const n = occurrences(bytes, needle);
      if (n > 0) hits[`${name}: ${needle}`] = n;
    }
  }
  return hits;
}

/** The database file and, while Herald runs, its write-ahead log (not yet checkpointed into the file). */
function databaseBytes(): Record<string, Buffer> {
  const files: Record<string, Buffer> = { db: readFileSync(databaseFile()) };
  for (const suffix of ["-wal", "-journal"]) {
    if (existsSync(databaseFile() + suffix)) files[suffix] = readFileSync(databaseFile() + suffix);
  }
  return files;
}

/** Which tables hold a distinctive string, for a readable failure. */
function tablesHolding(): Record<string, string[]> {
  const tables = sqlite().prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
    name: string;
  }>;
  const holding: Record<string, string[]> = {};
  for (const { name } of tables) {
    const text = JSON.stringify(sqlite().prepare(`SELECT * FROM "${name}"`).all());
    const hits = NEEDLES.filter((needle) => text.includes(needle));
    if (hits.length > 0) holding[name] = hits;
  }
  return holding;
}

/** The attendee registers, opens her deep link, introduces herself in writing and shares her contact. */
async function attendeeTalks() {
  expect((await webhooks.submit("7001", { attributes: { hall: "A" } })).status).toBeLessThan(300);
  const link = await webhooks.deepLink("7001");
  sandbox.userStarts(attendee.id, String(link.body.payload));
  await sandbox.waitForBotMessage(attendee.id, (m) => /7001/.test(m.text ?? ""), PATIENT);
  const replies = () => sandbox.botMessages(attendee.id).length;
  let before = replies();
  sandbox.userSends(
    attendee.id,
    `Здравствуйте! Я ${ATTENDEE.first_name} ${ATTENDEE.last_name} (@${ATTENDEE.username}), телефон ${ATTENDEE_PHONE}`,
  );
  await sandbox.waitForBotMessage(attendee.id, () => replies() > before, PATIENT);
  before = replies();
  sandbox.userSendsContact(attendee.id, {
    phone_number: ATTENDEE_PHONE,
    first_name: ATTENDEE.first_name,
    last_name: ATTENDEE.last_name,
    user_id: attendee.id,
  });
  await sandbox.waitForBotMessage(attendee.id, () => replies() > before, PATIENT);
}

/**
 * The organiser composes in the admin group up to the last step, sharing a contact while asked for
 * buttons (the dialog answers with the prompt again, and its log keeps the update); returns the last step.
 */
async function organiserComposesInGroup(): Promise<ChatRecord> {
  const chat = createChatReader(sandbox, group.id);
  const press = (message: ChatRecord, label: RegExp) =>
    pressButton(sandbox, organiser.id, message, label, group.id);
  sandbox.userSends(organiser.id, "/new", { chatId: group.id });
  await chat.next(/^New broadcast\. Send the message/);
  sandbox.userSends(organiser.id, "Doors open at 10:00", { chatId: group.id });
  const buttonsPrompt = await chat.next(/^Add URL buttons/);
  sandbox.userSendsContact(organiser.id, CONTACT, { chatId: group.id });
  await chat.next(/^Add URL buttons/);
  press(buttonsPrompt, /No buttons/);
  press(await chat.next(/^Who receives it\?/), /^All active/);
  press(await chat.next(/^Plan\n/), /Continue/);
  await chat.next(/^Doors open at 10:00/);
  return chat.next(/^Above: the message/);
}

describe("nothing personal at rest", { timeout: 180_000 }, () => {
  it("no name, username, phone or contact of anyone in the database, its WAL or the logs", async () => {
    await startHerald();
    await attendeeTalks();
    const last = await organiserComposesInGroup();

    // The colleague starts one in her private chat (a private chat carries her names too) and stops halfway.
    const colleagueChat = createChatReader(sandbox, colleague.id);
    sandbox.userSends(colleague.id, "/new");
    await colleagueChat.next(/^Новая рассылка/);
    sandbox.userSends(colleague.id, "Ужин в 19:00");
    const colleagueButtons = await colleagueChat.next(/^Добавьте кнопки/);

    // Two dialogs are stored, each with the updates of its organiser, and nothing has been checkpointed yet.
    expect(sqlite().prepare("SELECT count(*) AS n FROM dialogs").get()).toEqual({ n: 2 });
    expect
      .soft({ found: found(databaseBytes()), tables: tablesHolding() })
      .toEqual({ found: {}, tables: {} });

    // A restart in the middle: both dialogs replay from their stripped logs and go on where they were.
    await stopHerald();
    await startHerald();
    pressButton(sandbox, colleague.id, colleagueButtons, /Без кнопок/);
    await colleagueChat.next(/^Кому отправить\?/);
    pressButton(sandbox, organiser.id, last, /Launch/, group.id);
    const groupChat = createChatReader(sandbox, group.id);
    await groupChat.next(/^Broadcast #1 «Doors open at 10:00/);
    await groupChat.next(/^Report: broadcast #1/);
    await sandbox.waitForBotMessage(attendee.id, (m) => m.text === "Doors open at 10:00", PATIENT);
    expect
      .soft({ found: found(databaseBytes()), tables: tablesHolding() })
      .toEqual({ found: {}, tables: {} });

    // Closed: the WAL is checkpointed into the file; what is left, and every log line, is searched again.
    // (Soft checks above, so that a failure shows all three places at once.)
    await stopHerald();
    const logText = Buffer.from(allLogs.join(""), "utf8");
    expect(logText.length).toBeGreaterThan(0);
    expect(found({ ...databaseBytes(), logs: logText })).toEqual({});
  });
});
