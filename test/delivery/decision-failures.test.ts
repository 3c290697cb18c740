import { afterEach, describe, expect, it } from "vitest";
import { timedClock } from "../../src/clock.js";
import type { HeraldDatabase } from "../../src/db/client.js";
import { createBroadcasts } from "../../src/delivery/broadcasts.js";
import { createDeliveryEngine } from "../../src/delivery/engine.js";
import { createFloodGate } from "../../src/delivery/flood-gate.js";
import { createGatedApi } from "../../src/delivery/gated-api.js";
import { decisionFailedAlert, ticketMessage } from "../../src/messages/transactional.js";
import { enqueueDelivery } from "../../src/outbox/outbox.js";
import { ticketJobKey } from "../../src/outbox/tickets.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { TEST_TOKEN } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "../helpers/sandbox.js";
import { tempDatabase } from "../helpers/temp-database.js";
import { waitFor } from "../helpers/wait-for.js";

/** Telegram IDs the sandbox has never seen: every message to them is refused, "chat not found". */
const GONE = [990_000_001, 990_000_002, 990_000_003];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real engine against the sandbox, telling `adminChatId` of decisions that fail for good. */
async function setup(options: { adminChatId: (sandbox: Sandbox) => number; errorRate?: number }) {
  const sandbox = await listeningSandbox({
    bot: { username: "engine_bot", first_name: "Engine" },
    limits: NO_FLOOD_LIMITS,
    faults: { errorRate: options.errorRate ?? 0 },
    seed: 11,
  });
  cleanups.push(() => sandbox.close());
  const database = tempDatabase(cleanups);
  const adminChatId = options.adminChatId(sandbox);
  const clock = { now: () => Date.now() };
  const gate = createFloodGate({ rate: 0, paidRate: 1000, clock });
  const engine = createDeliveryEngine({
    database,
    gate,
    apis: {
      transactional: createGatedApi(gate, "transactional", TEST_TOKEN, sandbox.url),
      bulk: createGatedApi(gate, "bulk", TEST_TOKEN, sandbox.url),
    },
    clock: timedClock(clock),
    logger: collectLogs([TEST_TOKEN]).logger,
    quietHours: null,
    timezone: "Europe/Moscow",
    adminChatId,
  });
  cleanups.push(() => engine.stop());
  const broadcasts = createBroadcasts({ database, clock, onChange: () => engine.wake() });
  engine.start();
  return { sandbox, database, engine, broadcasts, adminChatId };
}

function subscribe(database: HeraldDatabase, telegramId: number, language = "ru"): void {
  database.sqlite
    .prepare(
      "INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at) VALUES (?, ?, 'active', 0, 0, 0)",
    )
    .run(telegramId, language);
}

function queue(database: HeraldDatabase, jobKey: string, telegramId: number): void {
  const message = ticketMessage("ru", {
    answerId: jobKey.split(":")[1] ?? "",
    ticketUrl: "https://tickets.example.org/t/1",
    replaced: false,
  });
  enqueueDelivery(database.db, { jobKey, telegramId, lane: "transactional", message }, Date.now());
}

const unfinished = (database: HeraldDatabase) =>
  (
    database.sqlite
      .prepare("SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')")
      .get() as { n: number }
  ).n;

describe("decisions that fail for good, with the real engine and the sandbox", { timeout: 70_000 }, () => {
  it("reports a refused ticket or rejection once, and one the attendee blocked; not a broadcast's, a retried one's or another job's", async () => {
    const h = await setup({
      adminChatId: (sandbox) => {
        const lead = sandbox.createUser({ first_name: "Lead" }, { started: true });
        return sandbox.createGroup({ title: "Organisers", memberIds: [lead.id] }).id;
      },
      // Server errors on some calls: retried (with backoff) until they go through, never reported.
      errorRate: 0.15,
    });
    const { sandbox, database, engine, broadcasts } = h;
    const attendees = Array.from({ length: 6 }, (_, i) => {
      const user = sandbox.createUser({ first_name: `Guest ${i}` }, { started: true });
      subscribe(database, user.id);
      return user.id;
    });
    const blocked = attendees[5] as number;
    sandbox.blockBot(blocked);
    for (const id of GONE) subscribe(database, id);

    attendees.forEach((id, i) => {
      queue(database, ticketJobKey(`A${i}`, 1), id);
    });
    queue(database, ticketJobKey("B1", 2), GONE[0] as number);
    queue(database, "rejection:B2", GONE[1] as number);
    queue(database, "linked:B3", GONE[2] as number);
    const broadcast = broadcasts.create({ title: "News", content: { kind: "text", html: "Новости" } });
    broadcasts.launch(broadcast.id);
    engine.wake();

    await waitFor(() => broadcasts.get(broadcast.id).status === "done" && unfinished(database) === 0, {
      what: "every row to be final, the reports' too",
      timeoutMs: 50_000,
    });
    // The broadcast's three refusals are counted in its report, not sent to the organisers' chat. (The
    // blocked attendee may have left its audience already: their ticket's 403 can come first.)
    expect(broadcasts.get(broadcast.id)).toMatchObject({ failed: 3 });
    const reports = sandbox.botMessages(h.adminChatId).map((m) => m.text ?? "");
    expect(reports).toHaveLength(3);
    // The attendee who blocked the bot will not get their ticket in Telegram: the organisers hear of it.
    expect(reports.find((t) => t.includes("Заявка № A5:"))).toBe(
      "⚠️ Билет не доставлен\nЗаявка № A5: Telegram не принял сообщение с билетом — участник заблокировал бота\n" +
        "В Telegram участник его не получит. Ссылка на билет есть в вашем письме; если нужно, свяжитесь с ним другим способом.",
    );
    expect(reports.find((t) => t.includes("Заявка № B1:"))).toBe(
      "⚠️ Билет не доставлен\nЗаявка № B1: Telegram не принял сообщение с билетом — Bad Request: chat not found\n" +
        'Участник билет не получил. Если дело в ссылке, пришлите решение с новой ссылкой и "replace": true; ' +
        "иначе свяжитесь с участником другим способом.",
    );
    expect(reports.find((t) => t.includes("Заявка № B2:"))).toMatch(
      /^⚠️ Решение не доставлено\nЗаявка № B2: Telegram не принял сообщение об отказе — Bad Request: chat not found\n/,
    );
    expect(sandbox.stats().errors["500"]).toBeGreaterThan(0);
    const jobs = database.sqlite
      .prepare("SELECT job_key, status FROM deliveries WHERE lane = 'transactional' ORDER BY id")
      .all();
    expect(jobs).toEqual(
      expect.arrayContaining([
        { job_key: "ticket:A0:v1", status: "sent" },
        { job_key: "ticket:A5:v1", status: "blocked" },
        { job_key: "linked:B3", status: "failed" },
      ]),
    );
  });

  it("speaks the organiser's language when the organisers' chat is a private one", async () => {
    let organiser = 0;
    const h = await setup({
      adminChatId: (sandbox) => {
        organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" }, { started: true }).id;
        return organiser;
      },
    });
    subscribe(h.database, organiser, "en");
    queue(h.database, ticketJobKey("C1", 1), GONE[0] as number);
    h.engine.wake();
    const report = await h.sandbox.waitForBotMessage(organiser, undefined, { timeoutMs: 30_000 });
    expect(report.text).toBe(
      "⚠️ Ticket not delivered\nApplication no. C1: Telegram refused the message with the ticket — Bad Request: chat not found\n" +
        'The attendee did not get it. If the link is the cause, send the decision again with a new link and "replace": true; ' +
        "otherwise reach the attendee another way.",
    );
  });
});

describe("the report of a decision the attendee blocked", () => {
  it("names the block in the organisers' language, with advice that fits the decision", () => {
    const blocked = "Forbidden: bot was blocked by the user";
    expect(
      decisionFailedAlert("en", { answerId: "A7", kind: "ticket", reason: blocked, blocked: true }).html,
    ).toBe(
      "⚠️ <b>Ticket not delivered</b>\nApplication no. A7: Telegram refused the message with the ticket — the attendee blocked the bot\n" +
        "The attendee will not get it in Telegram. Your e-mail carries the ticket's link; if need be, reach them another way.",
    );
    expect(
      decisionFailedAlert("ru", { answerId: "A8", kind: "rejection", reason: blocked, blocked: true }).html,
    ).toBe(
      "⚠️ <b>Решение не доставлено</b>\nЗаявка № A8: Telegram не принял сообщение об отказе — участник заблокировал бота\n" +
        "В Telegram участник его не получит: если нужно, свяжитесь с ним другим способом.",
    );
    // Another 403 (a deleted account) keeps Telegram's own words.
    expect(
      decisionFailedAlert("en", {
        answerId: "A9",
        kind: "rejection",
        reason: "Forbidden: user is deactivated",
        blocked: true,
      }).html,
    ).toContain("— Forbidden: user is deactivated\nThe attendee will not get it in Telegram: if need be");
  });
});
