import { join } from "node:path";
import type { Api } from "grammy";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProgressWatcher, EDIT_INTERVAL_MS, type ProgressWatcher } from "../../src/bot/progress.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { type Broadcasts, createBroadcasts } from "../../src/delivery/broadcasts.js";
import type { BroadcastProgress } from "../../src/delivery/engine.js";
import { createLogger } from "../../src/logger.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const CHAT = -100123;
let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
let clock: FakeClock;
let broadcasts: Broadcasts;
let watcher: ProgressWatcher;
let api: {
  sendMessage: ReturnType<typeof vi.fn>;
  editMessageText: ReturnType<typeof vi.fn>;
  sendDocument: ReturnType<typeof vi.fn>;
};

beforeEach(() => {
  vi.useFakeTimers();
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  clock = createFakeClock();
  broadcasts = createBroadcasts({ database, clock });
  let nextMessage = 10;
  api = {
    sendMessage: vi.fn(async () => ({ message_id: nextMessage++ })),
    editMessageText: vi.fn(async () => true),
    sendDocument: vi.fn(async () => ({ message_id: nextMessage++ })),
  };
  watcher = createProgressWatcher({
    api: () => api as unknown as Api,
    sqlite: database.sqlite,
    broadcasts,
    clock,
    logger: createLogger({ level: "silent", secrets: [] }),
    config: { timezone: "Europe/Moscow" },
  });
});

afterEach(async () => {
  await watcher.stop();
  vi.useRealTimers();
  database.close();
  dir.cleanup();
});

function progress(broadcastId: number, status: string, sent = 0): BroadcastProgress {
  return {
    broadcastId,
    title: "t",
    status,
    total: 10,
    sent,
    failed: 0,
    blocked: 0,
    expired: 0,
    ambiguous: 0,
    remaining: 10 - sent,
    rate: 1,
    effectiveRate: 1,
    etaSeconds: 10 - sent,
    waiting: status === "scheduled" ? "scheduled" : null,
    starsCost: 0,
  };
}

/** One second passes: the engine reports, timers run. */
async function second(event: BroadcastProgress) {
  clock.advance(1000);
  watcher.onProgress(event);
  await vi.advanceTimersByTimeAsync(1000);
}

describe("the progress message", () => {
  it("is not edited while nothing changes, at most every few seconds while it does, and at once on pause", async () => {
    const row = broadcasts.create({
      title: "Doors open",
      content: { kind: "text", html: "Doors open" },
      scheduledAt: clock.now() + 60 * 60_000,
    });
    broadcasts.launch(row.id);
    await watcher.show(row.id, CHAT, "en");
    expect(api.sendMessage).toHaveBeenCalledTimes(1);
    expect(api.sendMessage.mock.calls[0]?.[1]).toMatch(/^Broadcast #1 «Doors open»: scheduled for/);

    // A scheduled broadcast reports every second with nothing new: no edit at all.
    for (let i = 0; i < 20; i++) await second(progress(row.id, "scheduled"));
    expect(api.editMessageText).not.toHaveBeenCalled();

    // Running and sending: the counts change each second, the edits come every few seconds.
    database.sqlite.prepare("UPDATE broadcasts SET status = 'running', total = 10 WHERE id = ?").run(row.id);
    for (let sent = 1; sent <= 8; sent++) {
      database.sqlite.prepare("UPDATE broadcasts SET sent = ? WHERE id = ?").run(sent, row.id);
      await second(progress(row.id, "running", sent));
    }
    const edits = api.editMessageText.mock.calls.length;
    expect(edits).toBeGreaterThanOrEqual(2);
    expect(edits).toBeLessThanOrEqual(Math.ceil(8000 / EDIT_INTERVAL_MS) + 1);

    broadcasts.pause(row.id, "paused by an organiser");
    await watcher.refresh(row.id);
    const last = api.editMessageText.mock.calls.at(-1);
    expect(last?.[2]).toContain("paused: paused by an organiser");
    expect(JSON.stringify(last?.[3])).toContain(`bc:resume:${row.id}`);
  });

  it("sends the report and the CSV once, and tries again later if Telegram refused it", async () => {
    const row = broadcasts.create({ title: "Live", content: { kind: "text", html: "Live" } });
    broadcasts.launch(row.id);
    await watcher.show(row.id, CHAT, "en");
    database.sqlite
      .prepare("UPDATE broadcasts SET status = 'done', finished_at = ?, total = 0 WHERE id = ?")
      .run(clock.now(), row.id);
    api.sendMessage.mockRejectedValueOnce(new Error("network down"));
    watcher.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.sendDocument).not.toHaveBeenCalled();
    expect(broadcasts.get(row.id).reportedAt).toBeNull();

    clock.advance(31_000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
    expect(broadcasts.get(row.id).reportedAt).not.toBeNull();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
    // The refused try and the one that went; none after.
    const reports = api.sendMessage.mock.calls.filter((call) => String(call[1]).startsWith("Report"));
    expect(reports).toHaveLength(2);
  });
});
