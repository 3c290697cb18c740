import { describe, expect, it } from "vitest";
import {
  colleague,
  group,
  organiser,
  press,
  reader,
  sandbox,
  seedAttendees,
  sqlite,
  startHerald,
  useCockpitHarness,
} from "../helpers/cockpit-harness.js";

useCockpitHarness();

// Replies to an organiser go through the flood gate at about one a second per chat, as
// Telegram wants: a long dialog takes tens of seconds on a slow machine.
describe("the organisers' cockpit", { timeout: 120_000 }, () => {
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
});
