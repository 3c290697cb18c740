import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald } from "../../src/herald.js";
import { createSandbox, type Sandbox, type SandboxUser } from "../../src/sandbox/index.js";
import { buttonData, createChatReader, pressButton } from "../helpers/bot-chat.js";
import { answerTo, composeToLaunch } from "../helpers/compose-dialog.js";
import { TEST_TOKEN, testConfig } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const TEXT = "Doors open at 10:00";

let sandbox: Sandbox;
let herald: Herald | undefined;
let dir: { path: string; cleanup(): void };
let organiser: SandboxUser;
let attendees: SandboxUser[];
let logs: ReturnType<typeof collectLogs>;

beforeEach(async () => {
  sandbox = createSandbox({
    bots: [{ token: TEST_TOKEN, username: "herald_test_bot", first_name: "Herald" }],
    limits: { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 },
  });
  await sandbox.listen();
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

async function startHerald() {
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
async function seedAttendees(count: number) {
  for (let i = 0; i < count; i++) {
    const user = sandbox.createUser({ first_name: `Guest${i}`, language_code: "ru" });
    sandbox.userStarts(user.id);
    await sandbox.waitForBotMessage(user.id);
    attendees.push(user);
  }
}

function sqlite() {
  if (!herald?.database) throw new Error("Herald is not running");
  return herald.database.sqlite;
}

const broadcastRows = () =>
  sqlite().prepare("SELECT id, status FROM broadcasts ORDER BY id").all() as Array<{
    id: number;
    status: string;
  }>;
const reportsIn = (chatId: number) =>
  sandbox.botMessages(chatId).filter((m) => /^Report: broadcast/.test(m.text ?? ""));
const receivedBy = (user: SandboxUser) => sandbox.botMessages(user.id).filter((m) => m.text === TEXT);

/** Stops Herald, so that whatever it was going to send has been sent: counts after this are final. */
async function stopHerald() {
  await herald?.stop();
  herald = undefined;
}

describe("a broadcast launched from the compose dialog", { timeout: 120_000 }, () => {
  it("goes once on a double tap of Launch; the second tap is told it was launched already", async () => {
    await startHerald();
    await seedAttendees(3);
    const chat = createChatReader(sandbox, organiser.id);
    const last = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
    expect(buttonData(last, /Launch/)).toMatch(/^d:ok:launch:\d+$/);

    const launch = { messageId: last.message_id, data: buttonData(last, /Launch/) };
    const first = sandbox.userPresses(organiser.id, launch);
    const second = sandbox.userPresses(organiser.id, launch);
    expect((await answerTo(sandbox, first)).text).toBeUndefined();
    expect((await answerTo(sandbox, second)).text).toBe(
      "This broadcast is already launched as #1. It is not sent twice.",
    );
    await chat.next(/^Broadcast #1 «Doors open/);
    await chat.next(/^Report: broadcast #1/);

    await stopHerald();
    for (const user of attendees) expect(receivedBy(user)).toHaveLength(1);
    expect(reportsIn(organiser.id)).toHaveLength(1);
  });

  it("is not sent again by Launch on the old message once the dialog is over, and /new starts afresh", async () => {
    await startHerald();
    await seedAttendees(2);
    const chat = createChatReader(sandbox, organiser.id);
    const last = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
    pressButton(sandbox, organiser.id, last, /Launch/);
    await chat.next(/^Broadcast #1 «Doors open/);
    await chat.next(/^Report: broadcast #1/);
    expect(sqlite().prepare("SELECT count(*) AS n FROM dialogs").get()).toEqual({ n: 0 });

    const again = sandbox.userPresses(organiser.id, {
      messageId: last.message_id,
      data: buttonData(last, /Launch/),
    });
    expect(await answerTo(sandbox, again)).toMatchObject({
      text: "This broadcast is already launched as #1. It is not sent twice.",
      show_alert: true,
    });
    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast\. Send the message/);

    await stopHerald();
    for (const user of attendees) expect(receivedBy(user)).toHaveLength(1);
    expect(reportsIn(organiser.id)).toHaveLength(1);
  });

  it("answers an old Launch pressed in the middle of the next dialog, without disturbing it", async () => {
    await startHerald();
    await seedAttendees(1);
    const chat = createChatReader(sandbox, organiser.id);
    const last = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
    pressButton(sandbox, organiser.id, last, /Launch/);
    await chat.next(/^Report: broadcast #1/);

    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast\. Send the message/);
    const again = sandbox.userPresses(organiser.id, {
      messageId: last.message_id,
      data: buttonData(last, /Launch/),
    });
    expect((await answerTo(sandbox, again)).text).toBe(
      "This broadcast is already launched as #1. It is not sent twice.",
    );
    sandbox.userSends(organiser.id, "Second message");
    await chat.next(/^Add URL buttons/);
    expect(broadcastRows()).toEqual([{ id: 1, status: "done" }]);
  });

  it("keeps drafts out of /broadcasts and /stats, and Cancel or /cancel discards them for good", async () => {
    await startHerald();
    await seedAttendees(1);
    const chat = createChatReader(sandbox, organiser.id);

    // At the last step the broadcast exists as a draft, and nowhere else.
    const first = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
    expect(broadcastRows()).toEqual([{ id: 1, status: "draft" }]);
    sandbox.userSends(organiser.id, "/broadcasts");
    await chat.next(/^No broadcasts yet/);
    sandbox.userSends(organiser.id, "/stats");
    expect((await chat.next(/^Subscribers:/)).text).not.toContain("Recent broadcasts");

    pressButton(sandbox, organiser.id, first, /Cancel/);
    await chat.next(/^Dialog closed\. Nothing was sent\./);
    expect(broadcastRows()).toEqual([]);
    const late = sandbox.userPresses(organiser.id, {
      messageId: first.message_id,
      data: buttonData(first, /Launch/),
    });
    expect((await answerTo(sandbox, late)).text).toBe("This dialog is over. Start again: /new");

    const second = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
    expect(broadcastRows()).toEqual([{ id: 2, status: "draft" }]);
    sandbox.userSends(organiser.id, "/cancel");
    await chat.next(/^Dialog closed\. Nothing was sent\./);
    expect(broadcastRows()).toEqual([]);
    const stale = sandbox.userPresses(organiser.id, {
      messageId: second.message_id,
      data: buttonData(second, /Launch/),
    });
    expect((await answerTo(sandbox, stale)).text).toBe("This dialog is over. Start again: /new");

    await stopHerald();
    expect(receivedBy(attendees[0] as SandboxUser)).toHaveLength(0);
  });

  it("after Launch keeps nothing of the dialog: no dialog row, the watch chat on the broadcast, one audit row", async () => {
    await startHerald();
    await seedAttendees(1);
    const chat = createChatReader(sandbox, organiser.id);
    const last = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
    pressButton(sandbox, organiser.id, last, /Launch/);
    const progress = await chat.next(/^Broadcast #1 «Doors open/);
    await waitFor(() => reportsIn(organiser.id).length === 1);
    expect(
      sqlite()
        .prepare("SELECT status, progress_chat_id, progress_message_id, progress_language FROM broadcasts")
        .all(),
    ).toEqual([
      {
        status: "done",
        progress_chat_id: organiser.id,
        progress_message_id: progress.message_id,
        progress_language: "en",
      },
    ]);
    expect(sqlite().prepare("SELECT count(*) AS n FROM dialogs").get()).toEqual({ n: 0 });
    expect(
      sqlite().prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'broadcast.launch'").get(),
    ).toEqual({ n: 1 });
  });
});
