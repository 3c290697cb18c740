import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALOG_VERSION } from "../../src/bot/features/cockpit/index.js";
import { createHerald, type Herald } from "../../src/herald.js";
import type { Sandbox, SandboxUser } from "../../src/sandbox/index.js";
import { buttonData, createChatReader } from "../helpers/bot-chat.js";
import { answerTo, composeToLaunch } from "../helpers/compose-dialog.js";
import { TEST_TOKEN, testConfig } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "../helpers/sandbox.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * The compose dialog's steps up to its last one, as the conversations plugin logs them: `w` a wait
 * for the organiser's next update, `e` an `external` (a database read or write, a message sent), and
 * the DIALOG_VERSION they belong to. A stored dialog replays only into code that makes the same steps
 * in the same order, so new steps come with a new version (and an old dialog is dropped, not replayed).
 */
const RECORDED = {
  version: 3,
  steps: [
    "w", // /new
    "e", // known parameters
    "e", // intro
    "w", // the message
    "e", // buttons prompt
    "w", // No buttons
    "e", // answer the press
    "e", // audience counts
    "e", // audience prompt
    "w", // All active
    "e", // answer the press
    "e", // the audience's count
    "e", // conversation.now()
    "e", // the gate's pace (added in DIALOG_VERSION 3)
    "e", // plan card
    "w", // Continue
    "e", // answer the press
    "e", // the sample recipient
    "e", // preview sent
    "e", // the draft
    "e", // the last step's message and buttons
    "w", // Test send, Launch, Save or Cancel
  ].join(""),
};
/** The step that version 3 added: a log without it is one recorded by the code before. */
const PACE_STEP = 13;

interface StoredDialog {
  version: [number, number | string];
  state: Record<
    string,
    Array<{
      interrupts: number[];
      replay: { send: Array<{ payload: string }>; receive: Array<{ send: number; returnValue: unknown }> };
    }>
  >;
}

let sandbox: Sandbox;
let herald: Herald | undefined;
let dir: { path: string; cleanup(): void };
let organiser: SandboxUser;
let logs: ReturnType<typeof collectLogs>;

beforeEach(async () => {
  sandbox = await listeningSandbox({ limits: NO_FLOOD_LIMITS });
  dir = makeTempDir();
  organiser = sandbox.createUser(
    { first_name: "Olga", last_name: "Replayova", username: "olga_replay_77", language_code: "en" },
    { started: true },
  );
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

/** Stops Herald; a graceful stop lets the running update finish, so the dialog's last step is stored. */
async function stopHerald() {
  await herald?.stop();
  herald = undefined;
}

function sqlite() {
  if (!herald?.database) throw new Error("Herald is not running");
  return herald.database.sqlite;
}

function storedDialog(): StoredDialog {
  const row = sqlite().prepare("SELECT state FROM dialogs").get() as { state: string } | undefined;
  if (!row) throw new Error("no dialog stored");
  return JSON.parse(row.state) as StoredDialog;
}

const dialogCount = () => (sqlite().prepare("SELECT count(*) AS n FROM dialogs").get() as { n: number }).n;

function composeLog(stored: StoredDialog) {
  const compose = stored.state.compose?.[0];
  if (!compose) throw new Error("no compose dialog stored");
  return compose;
}

/**
 * The log as code without step `index` (an `external`) would have recorded it: the step and its
 * result removed, the later steps one place earlier.
 */
function withoutStep(stored: StoredDialog, index: number): StoredDialog {
  const copy = structuredClone(stored);
  const compose = composeLog(copy);
  const shift = (op: number) => (op > index ? op - 1 : op);
  compose.replay.send.splice(index, 1);
  compose.replay.receive = compose.replay.receive
    .filter((entry) => entry.send !== index)
    .map((entry) => ({ ...entry, send: shift(entry.send) }));
  compose.interrupts = compose.interrupts.map(shift);
  return copy;
}

/** Composes up to the last step and stops Herald there: the dialog is stored, waiting for a press. */
async function composeAndStop() {
  await startHerald();
  const attendee = sandbox.createUser({ first_name: "Guest", language_code: "ru" });
  sandbox.userStarts(attendee.id);
  await sandbox.waitForBotMessage(attendee.id);
  const chat = createChatReader(sandbox, organiser.id);
  const last = await composeToLaunch(sandbox, organiser.id, chat, "Doors open at 10:00");
  await stopHerald();
  return { chat, last };
}

describe("a stored compose dialog", { timeout: 120_000 }, () => {
  it("records the steps this DIALOG_VERSION expects (change them only with a version bump)", async () => {
    await composeAndStop();
    await startHerald();
    const stored = storedDialog();
    const steps = composeLog(stored)
      .replay.send.map((op) => (op.payload === "wait" ? "w" : op.payload === "external" ? "e" : op.payload))
      .join("");
    // If the steps differ, dialogs stored by the running version would no longer replay after an
    // upgrade: bump DIALOG_VERSION in src/bot/features/cockpit/dialogs.ts and record the new steps with it.
    expect({ version: DIALOG_VERSION, steps }).toEqual(RECORDED);
    expect(stored.version[1]).toBe(DIALOG_VERSION);
  });

  it("holds the organiser's id and the dialog's texts, not their names, and still launches after a restart", async () => {
    const { chat, last } = await composeAndStop();
    await startHerald();
    const stored = JSON.stringify(storedDialog());
    for (const name of ["Olga", "Replayova", "olga_replay_77"]) expect(stored).not.toContain(name);
    expect(stored).toContain(`"from":{"id":${organiser.id},"is_bot":false,"first_name":""`);
    expect(stored).toContain("Doors open at 10:00");

    // The stripped log replays into the same steps: Launch on the stored last step launches.
    sandbox.userPresses(organiser.id, { messageId: last.message_id, data: buttonData(last, /Launch/) });
    await chat.next(/^Broadcast #1 «Doors open at 10:00/);
    expect(logs.records().some((r) => String(r.msg).startsWith("a stored dialog does not replay"))).toBe(
      false,
    );
  });

  it("recorded by other dialog code is dropped: the press is answered, nothing is launched, /new starts afresh", async () => {
    const { chat, last } = await composeAndStop();
    // The incident: a dialog stored by the code before the plan step read the gate's pace, under the
    // same version, replayed by the code after it ("Bad replay, expected op 'wait'").
    await startHerald();
    const older = withoutStep(storedDialog(), PACE_STEP);
    sqlite().prepare("UPDATE dialogs SET state = ?").run(JSON.stringify(older));
    await stopHerald();
    await startHerald();

    const press = sandbox.userPresses(organiser.id, {
      messageId: last.message_id,
      data: buttonData(last, /Launch/),
    });
    expect(await answerTo(sandbox, press)).toMatchObject({
      text: "This dialog is over. Start again: /new",
      show_alert: true,
    });
    const dropped = logs.records().find((r) => String(r.msg).startsWith("a stored dialog does not replay"));
    expect(dropped?.err).toMatchObject({ message: "Bad replay, expected op 'wait'" });
    // The plugin deletes the dropped dialog's row when the update is done, a moment after the answer.
    await waitFor(() => dialogCount() === 0, { what: "the dropped dialog's row deleted" });
    // The draft stays a draft (pruned with abandoned dialogs); nothing was launched or sent.
    expect(sqlite().prepare("SELECT id, status FROM broadcasts").all()).toEqual([{ id: 1, status: "draft" }]);
    expect(sandbox.botMessages(organiser.id).some((m) => /went wrong/.test(m.text ?? ""))).toBe(false);

    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast\. Send the message/);
  });

  it("recorded by other dialog code and met by a message: the organiser is told no dialog is open", async () => {
    const { chat } = await composeAndStop();
    await startHerald();
    sqlite()
      .prepare("UPDATE dialogs SET state = ?")
      .run(JSON.stringify(withoutStep(storedDialog(), PACE_STEP)));
    await stopHerald();
    await startHerald();

    sandbox.userSends(organiser.id, "Looks good");
    await chat.next(/^No dialog is open\./);
    // The plugin deletes the dropped dialog's row when the update is done, a moment after the answer.
    await waitFor(() => dialogCount() === 0, { what: "the dropped dialog's row deleted" });
    expect(sandbox.botMessages(organiser.id).some((m) => /went wrong/.test(m.text ?? ""))).toBe(false);
  });
});
