import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { buttonData } from "../helpers/bot-chat.js";
import {
  auditActions,
  colleague,
  group,
  organiser,
  press,
  reader,
  sandbox,
  seedAttendees,
  sqlite,
  startHerald,
  stopHerald,
  useCockpitHarness,
} from "../helpers/cockpit-harness.js";
import { waitFor } from "../helpers/wait-for.js";

useCockpitHarness();

// Replies to an organiser go through the flood gate at about one a second per chat, as
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

  it("keeps a dialog through a restart", async () => {
    await startHerald();
    await seedAttendees(2);
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast/);
    sandbox.userSends(organiser.id, "After the restart, {answer_id}");
    await chat.next(/^Add URL buttons/);

    await stopHerald();
    await startHerald();

    sandbox.userSends(organiser.id, "Ticket - {ticket_url}");
    press(organiser, organiser.id, await chat.next(/^Who receives it/), /^All active/);
    press(organiser, organiser.id, await chat.next(/^Plan/), /Continue/);
    await chat.next(/^After the restart, 500[01]/);
    press(organiser, organiser.id, await chat.next(/^Above: the message/), /Launch/);
    const report = await chat.next(/^Report: broadcast #1/);
    expect(report.text).toContain("Delivered: 2 of 2");
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
