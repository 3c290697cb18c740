import { describe, expect, it } from "vitest";
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

useLaunchHarness();

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
});
