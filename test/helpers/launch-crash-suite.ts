import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChatRecord, createSandbox, type Sandbox, type SandboxUser } from "../../src/sandbox/index.js";
import { buttonData, createChatReader } from "./bot-chat.js";
import { answerTo, composeToLaunch } from "./compose-dialog.js";
import { TEST_DEEPLINK_SECRET, TEST_TOKEN, TEST_WEBHOOK_SECRET } from "./config.js";
import { type HeraldProcess, spawnHerald } from "./herald-process.js";
import { makeTempDir } from "./temp-dir.js";
import { waitFor } from "./wait-for.js";

const TEXT = "The hall changed: room 204";
const ALREADY = "This broadcast is already launched as #1. It is not sent twice.";

let sandbox: Sandbox;
let dir: { path: string; cleanup(): void };
let running: HeraldProcess[];

/**
 * Quiet hours around the current time (UTC) for the first run: the launched broadcast waits for the
 * morning, so no attendee's message is on the wire when Herald is killed. A send in flight at a
 * crash is sent again by design (the engine counts it as ambiguous); this test is about the launch.
 */
function quietHoursAroundNow(): string {
  const minutes = Math.floor(Date.now() / 60_000) % 1440;
  const at = (m: number) => {
    const wrapped = (m + 1440) % 1440;
    return `${String(Math.floor(wrapped / 60)).padStart(2, "0")}:${String(wrapped % 60).padStart(2, "0")}`;
  };
  return `${at(minutes - 60)}-${at(minutes + 60)}`;
}

async function startHerald(organiser: SandboxUser, quietHours: string): Promise<HeraldProcess> {
  const herald = spawnHerald({
    BOT_TOKEN: TEST_TOKEN,
    BOT_API_ROOT: sandbox.url,
    DATABASE_FILE: join(dir.path, "data", "herald.db"),
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    DEEPLINK_SECRET: TEST_DEEPLINK_SECRET,
    HTTP_PORT: "0",
    LOG_LEVEL: "info",
    ADMIN_IDS: String(organiser.id),
    TIMEZONE: "UTC",
    QUIET_HOURS: quietHours,
    SCENARIOS: "off",
  });
  running.push(herald);
  await herald.waitForLog("Herald is running");
  return herald;
}

export interface KillPoint {
  name: string;
  /** Arms a sandbox listener that SIGKILLs Herald at this moment of the launch; resolves once killed. */
  arm(herald: HeraldProcess, organiser: SandboxUser): Promise<void>;
  /** Whether the launch surely committed before the kill (an old Launch then finds no dialog). */
  committed: boolean | "either";
}

/** Kills synchronously inside the sandbox's event, before the sandbox answers anything further. */
function killOn<T>(event: string, herald: HeraldProcess, when: (payload: T) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const listener = (payload: T) => {
      if (!when(payload)) return;
      herald.child.kill("SIGKILL");
      sandbox.events.off(event, listener);
      resolve();
    };
    sandbox.events.on(event, listener);
  });
}

type UpdateEvent = { update: { update_id: number; callback_query?: { data?: string } } };
const isLaunchPress = (e: UpdateEvent) => /^d:ok:launch:/.test(e.update.callback_query?.data ?? "");

export const KILL_POINTS: readonly KillPoint[] = [
  {
    // Telegram holds the update: the new Herald gets the same press again.
    name: "the Launch press is queued, not yet taken",
    arm: (herald) => killOn<UpdateEvent>("update", herald, isLaunchPress),
    committed: false,
  },
  {
    // Herald took the press (its next long poll confirmed it) and is handling it: usually before the
    // transaction commits, and the press is lost with the process.
    name: "Herald has taken the Launch press",
    arm: (herald) => {
      let launchUpdate = Number.POSITIVE_INFINITY;
      sandbox.events.on("update", (e: UpdateEvent) => {
        if (isLaunchPress(e)) launchUpdate = e.update.update_id;
      });
      return killOn<{ offset: number }>("poll", herald, (poll) => poll.offset > launchUpdate);
    },
    committed: "either",
  },
  {
    // The press is answered after the launch's transaction, before the progress message.
    name: "the Launch press is answered",
    arm: (herald) =>
      killOn<{ method: string }>("request", herald, (request) => request.method === "answerCallbackQuery"),
    committed: true,
  },
  {
    // The progress message went out; whether its id was stored is a matter of microseconds.
    name: "the progress message is posted",
    arm: (herald, organiser) =>
      killOn<ChatRecord>(
        "message",
        herald,
        (message) => message.chat_id === organiser.id && /^Broadcast #1/.test(message.text ?? ""),
      ),
    committed: true,
  },
];

/**
 * The launch-crash test for some of the kill points: each spawns Herald twice, so the points are
 * spread over four files (launch-crash-*.test.ts) that run side by side.
 */
export function describeLaunchCrash(points: readonly KillPoint[]) {
  beforeEach(async () => {
    sandbox = createSandbox({
      bots: [{ token: TEST_TOKEN, username: "herald_e2e_bot", first_name: "Herald" }],
      limits: { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 },
    });
    await sandbox.listen();
    dir = makeTempDir();
    running = [];
  });

  afterEach(async (context) => {
    if (context.task.result?.state === "fail") {
      for (const herald of running) console.error(herald.stdout(), herald.stderr());
    }
    for (const herald of running) herald.child.kill("SIGKILL");
    await Promise.all(running.map((herald) => herald.exited));
    await sandbox.close();
    dir.cleanup();
  });

  describe("Herald killed (SIGKILL) right after Launch", { timeout: 180_000 }, () => {
    it.each(points)(
      "when $name: after a restart the old Launch sends nothing more, and one report arrives",
      async (point) => {
        const organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" }, { started: true });
        const first = await startHerald(organiser, quietHoursAroundNow());
        const attendees: SandboxUser[] = [];
        for (let i = 0; i < 3; i++) {
          const user = sandbox.createUser({ first_name: `Guest${i}`, language_code: "ru" });
          sandbox.userStarts(user.id);
          await sandbox.waitForBotMessage(user.id, undefined, { timeoutMs: 20_000 });
          attendees.push(user);
        }
        const chat = createChatReader(sandbox, organiser.id);
        const last = await composeToLaunch(sandbox, organiser.id, chat, TEXT);
        const launch = { messageId: last.message_id, data: buttonData(last, /Launch/) };
        // Herald stores a dialog's step when it has handled the update, a moment after the step's
        // message reached the chat. An answer to a later update of this chat (one at a time) shows it
        // stored the last step, so the kill below hits the launch and not the step before.
        sandbox.userSends(organiser.id, "Looks good");
        await chat.next(/^Check the preview above/);

        const killed = point.arm(first, organiser);
        sandbox.userPresses(organiser.id, launch);
        await killed;
        expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
        sandbox.events.removeAllListeners("update");

        const second = await startHerald(organiser, "off");
        // The organiser presses the old Launch again: it launches now if the first never committed,
        // else it is told the broadcast went already. Either way once; a further press is always told.
        const again = await answerTo(sandbox, sandbox.userPresses(organiser.id, launch), 30_000);
        if (point.committed === true || point.committed === false) expect(again.text).toBe(ALREADY);
        else expect([undefined, ALREADY]).toContain(again.text);
        expect((await answerTo(sandbox, sandbox.userPresses(organiser.id, launch), 30_000)).text).toBe(
          ALREADY,
        );

        const report = await chat.next(/^Report: broadcast #1/);
        expect(report.text).toContain("Delivered: 3 of 3");
        // Its CSV follows (the chat's own limit may hold it a moment).
        await waitFor(() => sandbox.botMessages(organiser.id).some((m) => m.method === "sendDocument"), {
          what: "the report's CSV",
        });
        sandbox.userSends(organiser.id, "/new");
        await chat.next(/^New broadcast\. Send the message/);

        second.child.kill("SIGTERM");
        expect((await second.exited).code).toBe(0);
        // Herald is stopped: nothing more can arrive, so these counts are final.
        for (const user of attendees) {
          expect(sandbox.botMessages(user.id).filter((m) => m.text === TEXT)).toHaveLength(1);
        }
        const reports = sandbox
          .botMessages(organiser.id)
          .filter((m) => /^Report: broadcast/.test(m.text ?? ""));
        expect(reports).toHaveLength(1);
        const csv = sandbox.botMessages(organiser.id).filter((m) => m.method === "sendDocument");
        expect(csv).toHaveLength(1);
      },
    );
  });
}
