import { describe, expect, it } from "vitest";
import type { SandboxUser } from "../../src/sandbox/index.js";
import { buttonData, createChatReader, pressButton } from "../helpers/bot-chat.js";
import { answerTo, composeToLaunch } from "../helpers/compose-dialog.js";
import {
  attendees,
  broadcastRows,
  organiser,
  receivedBy,
  reportsIn,
  sandbox,
  seedAttendees,
  sqlite,
  startHerald,
  stopHerald,
  TEXT,
  useLaunchHarness,
} from "../helpers/launch-harness.js";
import { waitFor } from "../helpers/wait-for.js";

useLaunchHarness();

describe("a broadcast launched from the compose dialog", { timeout: 120_000 }, () => {
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
