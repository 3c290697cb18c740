import { describe, expect, it } from "vitest";
import { createDeepLinks } from "../../src/audience/deep-links.js";
import {
  colleague,
  group,
  organiser,
  reader,
  sandbox,
  seedAttendees,
  sqlite,
  startHerald,
  stopHerald,
  useCockpitHarness,
  webhooks,
} from "../helpers/cockpit-harness.js";
import { testConfig } from "../helpers/config.js";
import { waitFor } from "../helpers/wait-for.js";

useCockpitHarness();

/** A Telegram ID the sandbox has never seen: Telegram answers every message to it "chat not found". */
const GONE = 990_000_123;

/** The form references Herald issues, made with the test configuration's secret. */
function references() {
  const config = testConfig();
  return createDeepLinks({ secret: config.deeplinkSecret, signing: config.deeplinkSigning });
}

/** Everything the bot posted to the organisers' group as a warning: the failure reports. */
const warningsInGroup = () => sandbox.botMessages(group.id).filter((m) => (m.text ?? "").startsWith("⚠️"));

describe("a ticket or a decision Telegram refuses for good", { timeout: 120_000 }, () => {
  it("is reported once to the organisers' chat with the answer number and the reason, and shows in /stats", async () => {
    await startHerald();
    const [attendee] = await seedAttendees(1);
    // Bot-first registration whose form reference names a chat Telegram cannot reach.
    const ref = references();
    expect((await webhooks.submit("6001", { ref: ref.formReference(GONE) })).body).toMatchObject({
      binding: "bound",
    });
    expect((await webhooks.submit("6002", { ref: ref.formReference(GONE) })).status).toBe(201);
    expect((await webhooks.approve("6001", "https://tickets.example.org/t/6001?k=x1")).body).toMatchObject({
      delivery: "queued",
    });
    expect((await webhooks.reject("6002")).body).toMatchObject({ delivery: "queued" });

    // The organisers' group speaks no language of its own: the reports are in Russian.
    const reportOf = (answerId: string) =>
      sandbox.waitForBotMessage(group.id, (m) => (m.text ?? "").includes(`Заявка № ${answerId}:`));
    const ticketReport = await reportOf("6001");
    expect(ticketReport.text).toMatch(/^⚠️ Билет не доставлен\n/);
    expect(ticketReport.text).toContain(
      "Заявка № 6001: Telegram не принял сообщение с билетом — Bad Request: chat not found",
    );
    const rejectionReport = await reportOf("6002");
    expect(rejectionReport.text).toMatch(/^⚠️ Решение не доставлено\n/);
    expect(rejectionReport.text).toContain(
      "Заявка № 6002: Telegram не принял сообщение об отказе — Bad Request: chat not found",
    );

    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/stats");
    const stats = await chat.next(/^Subscribers:/);
    expect(stats.text).toContain("Tickets sent: 1");
    expect(stats.text).toContain(
      "Not delivered, Telegram refused (tickets and decisions): 2\n" +
        "  no. 6002, rejection: Bad Request: chat not found\n" +
        "  no. 6001, ticket: Bad Request: chat not found",
    );

    // A colleague from the organisers' group reads it in Russian.
    sandbox.userSends(colleague.id, "/stats");
    const statsRu = await reader(colleague.id).next(/^Подписчики:/);
    expect(statsRu.text).toContain(
      "Не доставлено, Telegram отказал (билеты и решения): 2\n" +
        "  № 6002, отказ: Bad Request: chat not found\n" +
        "  № 6001, билет: Bad Request: chat not found",
    );

    // Stopped, Herald has sent all it was going to: each failure was reported exactly once, and neither
    // the "application arrived" notes (also refused) nor the delivered ticket were reported at all.
    await stopHerald();
    const reports = warningsInGroup();
    expect(reports.map((m) => /№ (\d+)/.exec(m.text ?? "")?.[1]).sort()).toEqual(["6001", "6002"]);
    expect(reports.some((m) => (m.text ?? "").includes(attendee?.answerId ?? "?"))).toBe(false);
    expect(JSON.stringify(reports)).not.toContain("tickets.example.org");
  });

  it("is not reported a second time after a restart", async () => {
    await startHerald();
    const ref = references();
    await webhooks.submit("6003", { ref: ref.formReference(GONE) });
    await webhooks.approve("6003", "https://tickets.example.org/t/6003");
    await reader(group.id).next(/^⚠️ Билет не доставлен/);
    await stopHerald();

    await startHerald();
    // A new decision for another answer goes through the same engine after the restart; its report
    // arriving means the engine looked at everything queued before it.
    await webhooks.submit("6004", { ref: ref.formReference(GONE) });
    await webhooks.reject("6004");
    await reader(group.id).next(/^⚠️ Решение не доставлено/);
    await stopHerald();
    const reports = warningsInGroup();
    expect(reports).toHaveLength(2);
  });
});

describe("a ticket to an attendee who blocked the bot", { timeout: 120_000 }, () => {
  it("is reported once and listed in /stats until a replaced link reaches them", async () => {
    await startHerald();
    const [attendee] = await seedAttendees(1, { approve: 0 });
    if (!attendee) throw new Error("no attendee");
    const { user, answerId } = attendee;
    sandbox.blockBot(user.id);
    expect((await webhooks.approve(answerId, "https://tickets.example.org/t/v1")).body).toMatchObject({
      delivery: "queued",
    });
    const report = await reader(group.id).next(/^⚠️ Билет не доставлен/);
    expect(report.text).toBe(
      `⚠️ Билет не доставлен\nЗаявка № ${answerId}: Telegram не принял сообщение с билетом — участник заблокировал бота\n` +
        "В Telegram участник его не получит. Ссылка на билет есть в вашем письме; если нужно, свяжитесь с ним другим способом.",
    );
    expect(
      sqlite().prepare("SELECT status FROM deliveries WHERE job_key = ?").get(`ticket:${answerId}:v1`),
    ).toEqual({
      status: "blocked",
    });

    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/stats");
    const stats = await chat.next(/^Subscribers:/);
    expect(stats.text).toContain("Tickets sent: 0");
    expect(stats.text).toContain(
      `Not delivered, Telegram refused (tickets and decisions): 1\n  no. ${answerId}, ticket: the attendee blocked the bot`,
    );

    // They come back; the organisers send the ticket again with a new link, and it reaches them.
    sandbox.unblockBot(user.id);
    const before = sandbox.botMessages(user.id).length;
    sandbox.userStarts(user.id);
    await waitFor(() => sandbox.botMessages(user.id).length > before, { what: "the bot to answer /start" });
    expect(sqlite().prepare("SELECT status FROM subscribers WHERE telegram_id = ?").get(user.id)).toEqual({
      status: "active",
    });
    expect(
      (await webhooks.approve(answerId, "https://tickets.example.org/t/v2", { replace: true })).body,
    ).toMatchObject({ delivery: "queued", ticket_version: 2 });
    await sandbox.waitForBotMessage(user.id, (m) => JSON.stringify(m.reply_markup ?? "").includes("/t/v2"));
    // Telegram took it; Herald records that a moment later.
    await waitFor(
      () =>
        (
          sqlite()
            .prepare("SELECT status FROM deliveries WHERE job_key = ?")
            .get(`ticket:${answerId}:v2`) as {
            status: string;
          }
        ).status === "sent",
      { what: "the new ticket to be recorded as sent" },
    );
    sandbox.userSends(organiser.id, "/stats");
    const after = await chat.next(/^Subscribers:/);
    expect(after.text).toContain("Tickets sent: 1");
    expect(after.text).not.toContain("Not delivered");

    // Stopped, Herald has sent all it was going to: the block was reported once, nothing else was.
    await stopHerald();
    const reports = warningsInGroup();
    expect(reports).toHaveLength(1);
  });
});

describe("the report's rows", { timeout: 120_000 }, () => {
  it("are one delivery per failed decision, to the organisers' chat, on the transactional lane", async () => {
    await startHerald();
    const ref = references();
    await webhooks.submit("6005", { ref: ref.formReference(GONE) });
    await webhooks.approve("6005", "https://tickets.example.org/t/6005");
    await reader(group.id).next(/^⚠️ Билет не доставлен/);
    const failed = sqlite()
      .prepare("SELECT id, status, error FROM deliveries WHERE job_key = 'ticket:6005:v1'")
      .get() as { id: number; status: string; error: string };
    expect(failed).toMatchObject({ status: "failed", error: "Bad Request: chat not found" });
    expect(
      sqlite()
        .prepare("SELECT job_key, telegram_id, lane FROM deliveries WHERE job_key LIKE 'decision-failed:%'")
        .all(),
    ).toEqual([{ job_key: `decision-failed:${failed.id}`, telegram_id: group.id, lane: "transactional" }]);
  });
});
