import { join } from "node:path";
import type { Api } from "grammy";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProgressWatcher, EDIT_INTERVAL_MS, type ProgressWatcher } from "../../src/bot/progress.js";
import { systemClock, type TimedClock } from "../../src/clock.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { type Broadcasts, createBroadcasts } from "../../src/delivery/broadcasts.js";
import type { BroadcastProgress } from "../../src/delivery/engine.js";
import { createLogger } from "../../src/logger.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const CHAT = -100123;
const OTHER_CHAT = -100456;
let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
/** Herald's clock reads the faked Date and sets the faked timers, so they move together. */
const clock: TimedClock = systemClock;
let broadcasts: Broadcasts;
let watcher: ProgressWatcher;
/** When each edit reached "Telegram" (the mock), in which chat, with what text. */
let edits: Array<{ at: number; chat: number; message: number; text: string }>;
/** How long each call takes to reach Telegram (a throttler queue, the network): fake time. */
let delayOf: () => number;
let api: {
  sendMessage: ReturnType<typeof vi.fn>;
  editMessageText: ReturnType<typeof vi.fn>;
  sendDocument: ReturnType<typeof vi.fn>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 10, 21, 9, 0, 0));
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  broadcasts = createBroadcasts({ database, clock });
  edits = [];
  delayOf = () => 0;
  let nextMessage = 10;
  api = {
    sendMessage: vi.fn(async () => ({ message_id: nextMessage++ })),
    editMessageText: vi.fn(async (chat: number, message: number, text: string) => {
      await sleep(delayOf());
      edits.push({ at: Date.now(), chat, message, text });
      return true;
    }),
    sendDocument: vi.fn(async () => ({ message_id: nextMessage++ })),
  };
  watcher = createProgressWatcher({
    api: () => api as unknown as Api,
    sqlite: database.sqlite,
    broadcasts,
    clock,
    logger: createLogger({ level: "silent", secrets: [] }),
    config: { timezone: "Europe/Moscow", adminChatId: null },
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
    effectiveRate: 30,
    etaSeconds: 10 - sent,
    waiting: status === "scheduled" ? "scheduled" : null,
    starsCost: 0,
  };
}

/** One second passes: the engine reports, timers run. */
async function second(event: BroadcastProgress) {
  watcher.onProgress(event);
  await vi.advanceTimersByTimeAsync(1000);
}

function launched(title: string, options: { scheduledAt?: number; watch?: number } = {}) {
  const row = broadcasts.create({
    title,
    content: { kind: "text", html: title },
    ...(options.scheduledAt !== undefined ? { scheduledAt: options.scheduledAt } : {}),
  });
  return broadcasts.launch(row.id, {
    ...(options.watch !== undefined ? { watch: { chatId: options.watch, language: "en" } } : {}),
  });
}

const setCounts = (id: number, values: { status?: string; sent?: number; total?: number }) => {
  const row = broadcasts.get(id);
  database.sqlite
    .prepare("UPDATE broadcasts SET status = ?, sent = ?, total = ?, finished_at = ? WHERE id = ?")
    .run(
      values.status ?? row.status,
      values.sent ?? row.sent,
      values.total ?? row.total,
      values.status === "done" ? clock.now() : row.finishedAt,
      id,
    );
};

/** Gaps between consecutive edits in one chat, in order of arrival. */
function gapsIn(chat: number): number[] {
  const times = edits.filter((e) => e.chat === chat).map((e) => e.at);
  return times.slice(1).map((at, i) => at - (times[i] as number));
}

describe("the progress message", () => {
  it("is not edited while nothing changes, at most every few seconds while it does, and shows a pause", async () => {
    const row = launched("Doors open", { scheduledAt: clock.now() + 60 * 60_000 });
    await watcher.show(row.id, CHAT, "en");
    expect(api.sendMessage).toHaveBeenCalledTimes(1);
    expect(api.sendMessage.mock.calls[0]?.[1]).toMatch(/^Broadcast #1 «Doors open»: scheduled for/);

    // A scheduled broadcast reports every second with nothing new: no edit at all.
    for (let i = 0; i < 20; i++) await second(progress(row.id, "scheduled"));
    expect(api.editMessageText).not.toHaveBeenCalled();

    // Running and sending: the counts change each second, the edits come every few seconds.
    setCounts(row.id, { status: "running", total: 10 });
    for (let sent = 1; sent <= 8; sent++) {
      setCounts(row.id, { sent });
      await second(progress(row.id, "running", sent));
    }
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThanOrEqual(Math.ceil(8000 / EDIT_INTERVAL_MS) + 1);

    broadcasts.pause(row.id, "paused by an organiser");
    watcher.refresh(row.id);
    await vi.advanceTimersByTimeAsync(EDIT_INTERVAL_MS);
    const last = api.editMessageText.mock.calls.at(-1);
    expect(last?.[2]).toContain("paused: paused by an organiser");
    expect(JSON.stringify(last?.[3])).toContain(`bc:resume:${row.id}`);
    expect(Math.min(...gapsIn(CHAT))).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
  });

  it("edits a chat at most every 3.5 s across two busy broadcasts, a slow Telegram, pause and resume; the final state shows", async () => {
    // Calls take up to 1.5 s to reach Telegram (a throttler queue, a slow network).
    let n = 0;
    delayOf = () => [0, 1500, 300, 900, 0, 1200][n++ % 6] as number;
    const a = launched("Alpha", { watch: CHAT });
    const b = launched("Beta", { watch: CHAT });
    const c = launched("Gamma", { watch: OTHER_CHAT });
    await watcher.post(a.id);
    await watcher.post(b.id);
    await watcher.post(c.id);
    watcher.start();
    const shownAt = clock.now();
    for (const id of [a.id, b.id, c.id]) setCounts(id, { total: 400 });

    // 40 seconds of progress every 100 ms for each broadcast; Alpha paused at 10 s and resumed at 12 s,
    // Beta paused at 12.2 s (a refresh right after another) and resumed at 20 s.
    for (let tick = 1; tick <= 400; tick++) {
      for (const id of [a.id, b.id, c.id]) {
        const row = broadcasts.get(id);
        if (row.status === "running") setCounts(id, { sent: row.sent + 1 });
        watcher.onProgress(progress(id, row.status, row.sent));
      }
      if (tick === 100) {
        broadcasts.pause(a.id, "paused by an organiser");
        watcher.refresh(a.id);
      }
      if (tick === 120) {
        broadcasts.resume(a.id);
        watcher.refresh(a.id);
      }
      if (tick === 122) {
        broadcasts.pause(b.id, "paused by an organiser");
        watcher.refresh(b.id);
      }
      if (tick === 200) {
        broadcasts.resume(b.id);
        watcher.refresh(b.id);
      }
      await vi.advanceTimersByTimeAsync(100);
    }
    // Both finish; the engine says so, and the watcher reports.
    for (const id of [a.id, b.id, c.id]) {
      setCounts(id, { status: "done", sent: 400 });
      watcher.onProgress(progress(id, "done", 400));
    }
    await vi.advanceTimersByTimeAsync(20_000);

    const inChat = edits.filter((e) => e.chat === CHAT);
    expect(inChat.length).toBeGreaterThan(8);
    expect(Math.min(...gapsIn(CHAT))).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
    expect(Math.min(...gapsIn(OTHER_CHAT))).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
    // The posts count too: the first edit in a chat comes an interval after its progress messages.
    expect(inChat[0]?.at).toBeGreaterThanOrEqual(shownAt + EDIT_INTERVAL_MS);
    // Both broadcasts had their turns, the pauses showed, and each message ends in its final state.
    const messageOf = (id: number) => broadcasts.get(id).progressMessageId;
    const editsOf = (id: number) => inChat.filter((e) => e.message === messageOf(id)).map((e) => e.text);
    expect(editsOf(a.id).some((text) => text.includes("paused"))).toBe(true);
    expect(editsOf(b.id).some((text) => text.includes("paused"))).toBe(true);
    expect(editsOf(a.id).at(-1)).toMatch(/^Broadcast #1 «Alpha»: done\n▓{12} 100%/);
    expect(editsOf(b.id).at(-1)).toMatch(/^Broadcast #2 «Beta»: done\n▓{12} 100%/);
    const reports = api.sendMessage.mock.calls.filter((call) => String(call[1]).startsWith("Report"));
    expect(reports.map((call) => call[0])).toEqual([CHAT, CHAT, OTHER_CHAT]);
  });

  it("sends the report and the CSV once, and tries again later if Telegram refused it", async () => {
    const row = launched("Live");
    await watcher.show(row.id, CHAT, "en");
    setCounts(row.id, { status: "done", total: 0 });
    api.sendMessage.mockRejectedValueOnce(new Error("network down"));
    watcher.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.sendDocument).not.toHaveBeenCalled();
    expect(broadcasts.get(row.id).reportedAt).toBeNull();

    await vi.advanceTimersByTimeAsync(30_000);
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
    expect(broadcasts.get(row.id).reportedAt).not.toBeNull();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
    // The refused try and the one that went; none after.
    const reports = api.sendMessage.mock.calls.filter((call) => String(call[1]).startsWith("Report"));
    expect(reports).toHaveLength(2);
  });

  it("sends only the CSV again when the report went and its CSV did not", async () => {
    const row = launched("Live");
    await watcher.show(row.id, CHAT, "en");
    setCounts(row.id, { status: "done", total: 0 });
    api.sendDocument.mockRejectedValueOnce(new Error("network down"));
    watcher.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(broadcasts.get(row.id).reportedAt).not.toBeNull();
    expect(broadcasts.get(row.id).reportCsvAt).toBeNull();

    await vi.advanceTimersByTimeAsync(40_000);
    expect(api.sendDocument).toHaveBeenCalledTimes(2);
    expect(broadcasts.get(row.id).reportCsvAt).not.toBeNull();
    const reports = api.sendMessage.mock.calls.filter((call) => String(call[1]).startsWith("Report"));
    expect(reports).toHaveLength(1);
  });
});

// A crash between a launch's transaction and the post of its progress message leaves a watched
// broadcast without one: the watcher posts it, once, and the report follows in that chat.
describe("a launch whose progress message never went", () => {
  it("gets its progress message once from the watcher, and the report in its chat", async () => {
    const row = launched("After the crash", { watch: CHAT });
    expect(broadcasts.get(row.id).progressMessageId).toBeNull();
    watcher.start();
    await vi.advanceTimersByTimeAsync(5000);
    const posts = () =>
      api.sendMessage.mock.calls.filter((call) => String(call[1]).startsWith("Broadcast #1"));
    expect(posts()).toHaveLength(1);
    expect(posts()[0]?.[0]).toBe(CHAT);
    const messageId = broadcasts.get(row.id).progressMessageId;
    expect(messageId).not.toBeNull();
    // Asked again (the launch's own post racing the watcher): nothing more is posted.
    expect(await watcher.post(row.id)).toBe(true);
    expect(posts()).toHaveLength(1);

    setCounts(row.id, { status: "done", total: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    const report = api.sendMessage.mock.calls.find((call) => String(call[1]).startsWith("Report"));
    expect(report?.[0]).toBe(CHAT);
    expect(report?.[2]).toMatchObject({ reply_parameters: { message_id: messageId } });
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
  });

  it("finished before any post: the progress message in its final state, then the report, once each", async () => {
    const row = launched("Quick", { watch: CHAT });
    setCounts(row.id, { status: "done", total: 0 });
    watcher.start();
    await vi.advanceTimersByTimeAsync(3000);
    const firstLines = () =>
      api.sendMessage.mock.calls.map((call) => [call[0], String(call[1]).split("\n")[0]]);
    expect(firstLines()).toEqual([
      [CHAT, "Broadcast #1 «Quick»: done"],
      [CHAT, "Report: broadcast #1 «Quick»"],
    ]);
    expect(api.sendMessage.mock.calls[1]?.[2]).toMatchObject({
      reply_parameters: { message_id: broadcasts.get(row.id).progressMessageId },
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(firstLines()).toHaveLength(2);
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
  });

  it("finished, and Telegram refuses the progress message: the report still goes to the watch chat, once", async () => {
    launched("Refused", { watch: CHAT });
    setCounts(1, { status: "done", total: 0 });
    api.sendMessage.mockRejectedValueOnce(new Error("network down"));
    watcher.start();
    await vi.advanceTimersByTimeAsync(3000);
    const report = api.sendMessage.mock.calls.find((call) => String(call[1]).startsWith("Report"));
    expect(report?.[0]).toBe(CHAT);
    expect(report?.[2]).toEqual({});
    await vi.advanceTimersByTimeAsync(60_000);
    expect(api.sendMessage).toHaveBeenCalledTimes(2);
    expect(api.sendDocument).toHaveBeenCalledTimes(1);
  });

  it("is not posted for a draft, an unwatched broadcast or one that has its message", async () => {
    broadcasts.create({
      title: "Draft",
      content: { kind: "text", html: "d" },
      watch: { chatId: CHAT, language: "en" },
    });
    launched("Unwatched");
    const shown = launched("Shown", { watch: CHAT });
    await watcher.post(shown.id);
    api.sendMessage.mockClear();
    watcher.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.sendMessage).not.toHaveBeenCalled();
  });
});
