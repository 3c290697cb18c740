import type { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import type { QuietHours } from "../../src/config.js";
import { createBroadcasts } from "../../src/delivery/broadcasts.js";
import { type BroadcastProgress, createDeliveryEngine } from "../../src/delivery/engine.js";
import { createFloodGate } from "../../src/delivery/flood-gate.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { collectLogs } from "../helpers/log-collector.js";
import { tempDatabase } from "../helpers/temp-database.js";

const QUIET: QuietHours = { start: 22 * 60, end: 9 * 60 };
/** Moscow wall-clock time (UTC+3) on 21 Nov 2026; 24+ is the next day. */
const moscow = (hh: number, mm = 0) => Date.UTC(2026, 10, 21, hh - 3, mm);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The engine on fake time, with a Telegram that answers at once: nothing here waits on a real timer. */
function setup(start: number, recipients: number) {
  const database = tempDatabase(cleanups);
  const clock = createFakeClock(start);
  const addSubscriber = database.sqlite.prepare(
    "INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at) VALUES (?, 'ru', 'active', 0, 0, 0)",
  );
  for (let i = 0; i < recipients; i++) addSubscriber.run(1000 + i);
  const sent: Array<{ chat: number; at: number }> = [];
  const api = {
    sendMessage: async (chat: number) => {
      sent.push({ chat, at: clock.now() });
      return { message_id: sent.length };
    },
  } as unknown as Api;
  const gate = createFloodGate({ rate: 0, paidRate: 1000, clock });
  const engine = createDeliveryEngine({
    database,
    gate,
    apis: { transactional: api, bulk: api },
    clock,
    logger: collectLogs().logger,
    quietHours: QUIET,
    timezone: "Europe/Moscow",
  });
  const progress: BroadcastProgress[] = [];
  engine.onProgress((p) => progress.push(p));
  cleanups.push(() => engine.stop());
  const broadcasts = createBroadcasts({ database, clock, onChange: () => engine.wake() });
  engine.start();
  return { clock, engine, broadcasts, sent, progress };
}

describe("the delivery engine on fake time", () => {
  it("holds a broadcast through the night and sends it when the morning comes", async () => {
    const h = setup(moscow(23, 30), 6);
    const { id } = h.broadcasts.create({ title: "Утро", content: { kind: "text", html: "Доброе утро" } });
    h.broadcasts.launch(id);
    await h.clock.run(5_000);
    expect(h.progress.some((p) => p.broadcastId === id && p.waiting === "quiet_hours")).toBe(true);
    expect(h.sent).toEqual([]);

    h.clock.set(moscow(24 + 9));
    await h.clock.run(2_000);
    expect(h.broadcasts.get(id)).toMatchObject({ status: "done", total: 6, sent: 6 });
    expect(new Set(h.sent.map((s) => s.chat)).size).toBe(6);
    expect(h.sent.every((s) => s.at >= moscow(24 + 9))).toBe(true);
  });

  it("starts a scheduled broadcast at its time, not a tick before", async () => {
    const h = setup(moscow(11, 59), 3);
    const { id } = h.broadcasts.create({
      title: "Полдень",
      content: { kind: "text", html: "Начинаем" },
      scheduledAt: moscow(12),
    });
    h.broadcasts.launch(id);
    await h.clock.run(59_000);
    expect(h.broadcasts.get(id).status).toBe("scheduled");
    expect(h.sent).toEqual([]);
    await h.clock.run(2_000);
    expect(h.broadcasts.get(id)).toMatchObject({ status: "done", sent: 3 });
    expect(h.sent.every((s) => s.at >= moscow(12))).toBe(true);
  });
});
