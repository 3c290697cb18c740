import { afterEach, describe, expect, it } from "vitest";
import { type Clock, timedClock } from "../../src/clock.js";
import type { QuietHours } from "../../src/config.js";
import type { HeraldDatabase } from "../../src/db/client.js";
import { type BroadcastContent, createBroadcasts, type NewBroadcast } from "../../src/delivery/broadcasts.js";
import {
  type BroadcastProgress,
  createDeliveryEngine,
  type DeliveryEngine,
} from "../../src/delivery/engine.js";
import { createFloodGate } from "../../src/delivery/flood-gate.js";
import { createGatedApi } from "../../src/delivery/gated-api.js";
import { enqueueDelivery } from "../../src/outbox/outbox.js";
import type { createSandbox, Sandbox } from "../../src/sandbox/index.js";
import { TEST_TOKEN } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "../helpers/sandbox.js";
import { tempDatabase } from "../helpers/temp-database.js";
import { waitFor } from "../helpers/wait-for.js";

const QUIET: QuietHours = { start: 22 * 60, end: 9 * 60 };
/** A clock that runs in real time but shows a chosen Moscow wall-clock time (UTC+3) on 21 Nov 2026; 24+ is the next day. */
function moscowClock(hh: number, mm = 0): Clock & { jumpTo(hh: number, mm?: number): void } {
  let offset = 0;
  const jumpTo = (h: number, m = 0) => {
    offset = Date.UTC(2026, 10, 21, h - 3, m) - Date.now();
  };
  jumpTo(hh, mm);
  return { now: () => Date.now() + offset, jumpTo };
}

interface Harness {
  sandbox: Sandbox;
  database: HeraldDatabase;
  engine: DeliveryEngine;
  broadcasts: ReturnType<typeof createBroadcasts>;
  recipients: number[];
  progress: BroadcastProgress[];
  logs: ReturnType<typeof collectLogs>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: {
  recipients: number;
  clock?: Clock;
  rate?: number;
  paidRate?: number;
  quietHours?: QuietHours | null;
  sandboxLimits?: Parameters<typeof createSandbox>[0] extends infer O
    ? O extends { limits?: infer L }
      ? L
      : never
    : never;
  faults?: { errorRate?: number; dropRate?: number };
  unknownRecipients?: number;
  start?: boolean;
}): Promise<Harness> {
  const sandbox = await listeningSandbox({
    bot: { username: "engine_bot", first_name: "Engine" },
    limits: options.sandboxLimits ?? NO_FLOOD_LIMITS,
    ...(options.faults ? { faults: options.faults } : {}),
    seed: 7,
  });
  cleanups.push(() => sandbox.close());
  const database = tempDatabase(cleanups);
  const clock = options.clock ?? { now: () => Date.now() };

  const recipients: number[] = [];
  const addSubscriber = database.sqlite.prepare(
    "INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at) VALUES (?, 'ru', 'active', 0, 0, 0)",
  );
  const addRegistration = database.sqlite.prepare(
    "INSERT INTO registrations (answer_id, telegram_id, attributes, bound_at, moderation, ticket_url, ticket_version, created_at, updated_at) VALUES (?, ?, ?, 0, 'approved', ?, 1, 0, 0)",
  );
  for (let i = 0; i < options.recipients; i++) {
    const user = sandbox.createUser({ first_name: `Гость ${i}` });
    sandbox.userStarts(user.id); // they opened the bot once, so the bot may write to them
    recipients.push(user.id);
    addSubscriber.run(user.id);
    addRegistration.run(
      `A${i}`,
      user.id,
      JSON.stringify({ track: i % 2 ? "online" : "hall" }),
      `https://t.example/${i}?s=x&n=${i}`,
    );
  }
  for (let i = 0; i < (options.unknownRecipients ?? 0); i++) addSubscriber.run(900_000_000 + i);

  const logs = collectLogs([TEST_TOKEN]);
  const gate = createFloodGate({ rate: options.rate ?? 0, paidRate: options.paidRate ?? 1000, clock });
  const engine = createDeliveryEngine({
    database,
    gate,
    apis: {
      transactional: createGatedApi(gate, "transactional", TEST_TOKEN, sandbox.url),
      bulk: createGatedApi(gate, "bulk", TEST_TOKEN, sandbox.url),
    },
    clock: timedClock(clock),
    logger: logs.logger,
    quietHours: options.quietHours ?? null,
    timezone: "Europe/Moscow",
  });
  const progress: BroadcastProgress[] = [];
  engine.events.on("progress", (p: BroadcastProgress) => progress.push(p));
  cleanups.push(() => engine.stop());
  const broadcasts = createBroadcasts({ database, clock, onChange: () => engine.wake() });
  if (options.start !== false) engine.start();
  return { sandbox, database, engine, broadcasts, recipients, progress, logs };
}

const TEXT: BroadcastContent = {
  kind: "text",
  html: "<b>Заявка {answer_id}</b>, зал: {track}",
  buttons: [[{ text: "Билет {answer_id}", url: "{ticket_url}" }]],
};

function launch(h: Harness, input: Partial<NewBroadcast> = {}) {
  const created = h.broadcasts.create({ title: "Новости", content: TEXT, ...input });
  h.broadcasts.launch(created.id);
  return created.id;
}

const statusOf = (h: Harness, id: number) => h.broadcasts.get(id).status;
const waitForStatus = (h: Harness, id: number, status: string) =>
  waitFor(() => statusOf(h, id) === status, { what: `broadcast ${id} to be ${status}`, timeoutMs: 30_000 });
const received = (h: Harness) => h.recipients.map((id) => h.sandbox.botMessages(id).length);

describe("the delivery engine", () => {
  it("delivers a personalised broadcast to every subscriber exactly once", async () => {
    const h = await setup({ recipients: 60 });
    const id = launch(h);
    await waitForStatus(h, id, "done");

    expect(received(h)).toEqual(h.recipients.map(() => 1));
    const first = h.sandbox.botMessages(h.recipients[0] as number)[0];
    expect(first?.text).toBe("Заявка A0, зал: hall");
    expect(first?.entities).toEqual([{ type: "bold", offset: 0, length: 9 }]);
    expect(first?.reply_markup).toEqual({
      inline_keyboard: [[{ text: "Билет A0", url: "https://t.example/0?s=x&n=0" }]],
    });
    expect(h.broadcasts.get(id)).toMatchObject({ total: 60, sent: 60, failed: 0, blocked: 0, ambiguous: 0 });
    const finalProgress = h.progress.filter((p) => p.broadcastId === id).at(-1);
    expect(finalProgress).toMatchObject({ status: "done", sent: 60, remaining: 0 });
  });

  it("sends transactional messages before a running broadcast", async () => {
    const h = await setup({ recipients: 40, rate: 10 });
    const id = launch(h);
    await waitFor(() => h.broadcasts.get(id).sent >= 3, { what: "the broadcast to be under way" });
    const ticketFor = h.recipients[39] as number;
    enqueueDelivery(
      h.database.db,
      {
        jobKey: "ticket:A39:v1",
        telegramId: ticketFor,
        lane: "transactional",
        message: { html: "Ваш билет" },
      },
      Date.now(),
    );
    h.engine.wake();
    await waitFor(() => h.sandbox.botMessages(ticketFor).some((m) => m.text === "Ваш билет"), {
      what: "the ticket",
    });
    // The ticket overtook the broadcast queue: most of the broadcast is still to go.
    expect(h.broadcasts.get(id).sent).toBeLessThan(30);
    await h.broadcasts.cancel(id);
  });

  it("lets an urgent broadcast overtake one already going", async () => {
    const h = await setup({ recipients: 30, rate: 10 });
    const slow = launch(h);
    await waitFor(() => h.broadcasts.get(slow).sent >= 3, { what: "the first broadcast to be under way" });
    const urgent = launch(h, { urgent: true, content: { kind: "text", html: "Мы в эфире" } });
    await waitForStatus(h, urgent, "done");
    // The urgent one finished while most of the first was still to go.
    expect(h.broadcasts.get(slow).sent).toBeLessThan(25);
    await h.broadcasts.cancel(slow);
  });

  it("marks blocked recipients, fails unknown chats for good, and retries server errors", async () => {
    const h = await setup({ recipients: 30, unknownRecipients: 2, faults: { errorRate: 0.3 } });
    const blockedUser = h.recipients[5] as number;
    h.sandbox.blockBot(blockedUser);
    const id = launch(h);
    await waitForStatus(h, id, "done");

    expect(h.broadcasts.get(id)).toMatchObject({ total: 32, sent: 29, blocked: 1, failed: 2 });
    expect(h.sandbox.botMessages(blockedUser)).toEqual([]);
    expect(received(h).filter((n) => n !== 1)).toEqual([0]);
    const subscriber = h.database.sqlite
      .prepare("SELECT status FROM subscribers WHERE telegram_id = ?")
      .get(blockedUser);
    expect(subscriber).toEqual({ status: "blocked" });
    const retried = h.database.sqlite
      .prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'sent' AND attempts > 1")
      .get() as { n: number };
    expect(retried.n).toBeGreaterThan(0);
    expect(h.sandbox.stats().errors["500"]).toBeGreaterThan(0);
  });

  it("pauses a broadcast itself after a run of failures, and says why", async () => {
    const h = await setup({ recipients: 0, unknownRecipients: 40 });
    const id = launch(h);
    await waitForStatus(h, id, "paused");
    const paused = h.broadcasts.get(id);
    expect(paused.pauseReason).toMatch(
      /^paused after 25 failed sends in a row; the last: Bad Request: chat not found/,
    );
    expect(paused.failed).toBeGreaterThanOrEqual(25);
    expect(paused.failed).toBeLessThan(40);
  });

  it("waits for the morning in quiet hours, then continues", async () => {
    const clock = moscowClock(23, 30);
    const h = await setup({ recipients: 10, clock, quietHours: QUIET });
    const id = launch(h);
    await waitFor(() => h.progress.find((p) => p.broadcastId === id && p.waiting === "quiet_hours"), {
      what: "a progress event saying it waits for quiet hours to end",
    });
    expect(h.sandbox.stats().byMethod.sendMessage ?? 0).toBe(0);
    clock.jumpTo(24 + 9, 0); // the next morning
    await waitForStatus(h, id, "done");
    expect(received(h)).toEqual(h.recipients.map(() => 1));
  });

  it("sends an urgent broadcast at night", async () => {
    const h = await setup({ recipients: 5, clock: moscowClock(2), quietHours: QUIET });
    const id = launch(h, { urgent: true, silent: true });
    await waitForStatus(h, id, "done");
    expect(received(h)).toEqual([1, 1, 1, 1, 1]);
    expect(h.sandbox.botMessages(h.recipients[0] as number)[0]?.disable_notification).toBe(true);
  });

  it("starts a scheduled broadcast at its time", async () => {
    const clock = moscowClock(11, 0);
    const h = await setup({ recipients: 5, clock });
    const id = launch(h, { scheduledAt: Date.UTC(2026, 10, 21, 12 - 3, 0) });
    expect(statusOf(h, id)).toBe("scheduled");
    h.engine.wake();
    expect(h.sandbox.stats().byMethod.sendMessage ?? 0).toBe(0);
    clock.jumpTo(12, 0);
    await waitForStatus(h, id, "done");
    expect(received(h)).toEqual([1, 1, 1, 1, 1]);
  });

  it("expires a broadcast whose deadline has passed: nothing goes out late", async () => {
    const clock = moscowClock(12, 0);
    const h = await setup({ recipients: 8, clock, start: false });
    const id = launch(h, { deadline: Date.UTC(2026, 10, 21, 11 - 3, 0) });
    h.engine.start();
    await waitForStatus(h, id, "done");
    expect(h.broadcasts.get(id)).toMatchObject({ total: 8, sent: 0, expired: 8 });
    expect(h.sandbox.stats().byMethod.sendMessage ?? 0).toBe(0);
  });

  it("resumes after a crash: rows left in flight are sent again and counted as ambiguous", async () => {
    const h = await setup({ recipients: 20, start: false });
    const id = launch(h);
    // A previous process materialised the audience, claimed 4 rows, and died mid-send.
    h.engine.start();
    await waitFor(() => h.broadcasts.get(id).total === 20);
    await h.engine.stop();
    h.database.sqlite
      .prepare(
        "UPDATE deliveries SET status = 'sending' WHERE id IN (SELECT id FROM deliveries WHERE status != 'sent' LIMIT 4)",
      )
      .run();
    const interrupted = (
      h.database.sqlite.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'sending'").get() as {
        n: number;
      }
    ).n;

    h.engine.start();
    await waitForStatus(h, id, "done");
    expect(received(h)).toEqual(h.recipients.map(() => 1));
    expect(h.broadcasts.get(id).ambiguous).toBe(interrupted);
  });

  it("puts back the rows it holds when a broadcast is paused, and loses none when it resumes", async () => {
    // At 2/s the dispatcher always holds a row while the gate's lane is full: a pause finds it there.
    const h = await setup({ recipients: 12, rate: 2 });
    const id = launch(h);
    await waitFor(() => h.broadcasts.get(id).sent >= 2, { what: "two sent" });
    h.broadcasts.pause(id);
    await waitFor(
      () =>
        (
          h.database.sqlite
            .prepare("SELECT count(*) AS n FROM deliveries WHERE broadcast_id = ? AND status = 'sending'")
            .get(id) as { n: number }
        ).n === 0,
      { what: "no row left in flight" },
    );
    const sentWhilePaused = h.broadcasts.get(id).sent;
    h.broadcasts.resume(id);
    await waitForStatus(h, id, "done");
    expect(h.broadcasts.get(id)).toMatchObject({ total: 12, sent: 12, failed: 0 });
    expect(received(h)).toEqual(h.recipients.map(() => 1));
    expect(sentWhilePaused).toBeLessThan(12);
  });

  it("expires what its deadline leaves, also rows waiting in the gate, and the counts add up", async () => {
    const h = await setup({ recipients: 20, rate: 2 });
    const id = launch(h, { deadline: Date.now() + 2500 });
    await waitForStatus(h, id, "done");
    const row = h.broadcasts.get(id);
    expect(row.sent).toBeGreaterThan(0);
    expect(row.expired).toBeGreaterThan(0);
    expect(row.sent + row.failed + row.blocked + row.expired).toBe(row.total);
    const open = h.database.sqlite
      .prepare(
        "SELECT count(*) AS n FROM deliveries WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
      )
      .get(id) as { n: number };
    expect(open.n).toBe(0);
    expect(received(h).filter((n) => n > 1)).toEqual([]);
  });

  it("sends nothing for a broadcast cancelled before it went out", async () => {
    const h = await setup({ recipients: 10, start: false });
    const id = launch(h);
    h.broadcasts.cancel(id);
    h.engine.start();
    h.engine.wake();
    expect(statusOf(h, id)).toBe("cancelled");
    expect(h.sandbox.stats().byMethod.sendMessage ?? 0).toBe(0);
  });

  it("marks paid sends with allow_paid_broadcast and counts them", async () => {
    const h = await setup({ recipients: 12, paidRate: 1000 });
    const id = launch(h, { paid: true });
    await waitForStatus(h, id, "done");
    expect(h.broadcasts.get(id)).toMatchObject({ sent: 12, paidMessages: 12 });
    expect(h.sandbox.stats().paidMessages).toBe(12);
  });

  it("copies an organiser's message with per-recipient buttons, and sends photos with captions", async () => {
    const h = await setup({ recipients: 3 });
    const organiser = h.sandbox.createUser({ first_name: "Орг" });
    const source = h.sandbox.userSends(organiser.id, "Трансляция начинается!");
    const copyId = launch(h, {
      content: {
        kind: "copy",
        fromChatId: organiser.id,
        messageId: source.message_id,
        buttons: [[{ text: "Смотреть", url: "https://live.example/{answer_id}" }]],
      },
    });
    await waitForStatus(h, copyId, "done");
    const copied = h.sandbox.botMessages(h.recipients[1] as number)[0];
    expect(copied?.text).toBe("Трансляция начинается!");
    expect(copied?.reply_markup).toEqual({
      inline_keyboard: [[{ text: "Смотреть", url: "https://live.example/A1" }]],
    });

    const photoId = h.broadcasts.create({
      title: "Фото",
      content: {
        kind: "photo",
        photo: "https://cdn.example/stage.jpg",
        captionHtml: "Сцена для {answer_id}",
      },
    }).id;
    h.broadcasts.launch(photoId);
    await waitForStatus(h, photoId, "done");
    expect(h.sandbox.botMessages(h.recipients[2] as number)[1]?.caption).toBe("Сцена для A2");
  });

  it("keeps to the sandbox's flood limit without a 429 storm", async () => {
    // No reply window: the recipients pressed Start a moment ago, which would exempt every send from bulk.
    const h = await setup({
      recipients: 45,
      rate: 30,
      sandboxLimits: { bulkPerSecond: 30, replyWindowSeconds: 0 },
    });
    const id = launch(h);
    await waitForStatus(h, id, "done");
    expect(received(h)).toEqual(h.recipients.map(() => 1));
    expect(h.sandbox.stats().http429).toBeLessThanOrEqual(1);
  });
});
