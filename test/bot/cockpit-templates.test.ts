import { describe, expect, it } from "vitest";
import {
  auditActions,
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
});
