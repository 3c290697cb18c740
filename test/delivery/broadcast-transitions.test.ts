import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import type { BroadcastStatus } from "../../src/db/schema.js";
import {
  type BroadcastRuns,
  BroadcastStateError,
  type Broadcasts,
  canMove,
  createBroadcastRuns,
  createBroadcasts,
} from "../../src/delivery/broadcasts.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
let clock: FakeClock;
let broadcasts: Broadcasts;
let runs: BroadcastRuns;

beforeEach(() => {
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  clock = createFakeClock();
  broadcasts = createBroadcasts({ database, clock });
  runs = createBroadcastRuns(database.sqlite);
});

afterEach(() => {
  database.close();
  dir.cleanup();
});

const launched = (scheduledAt?: number) => {
  const row = broadcasts.create({
    title: "Doors open",
    content: { kind: "text", html: "Doors open" },
    ...(scheduledAt !== undefined ? { scheduledAt } : {}),
  });
  return broadcasts.launch(row.id);
};

describe("the transition table", () => {
  it("lets a broadcast move only forward, and never out of done or cancelled", () => {
    const moves: Array<[BroadcastStatus, BroadcastStatus, boolean]> = [
      ["draft", "running", true],
      ["draft", "scheduled", true],
      ["scheduled", "running", true],
      ["running", "paused", true],
      ["paused", "running", true],
      ["running", "done", true],
      ["paused", "cancelled", true],
      ["draft", "done", false],
      ["scheduled", "done", false],
      ["paused", "done", false],
      ["running", "draft", false],
      ["done", "running", false],
      ["done", "cancelled", false],
      ["cancelled", "running", false],
    ];
    for (const [from, to, allowed] of moves)
      expect([from, to, canMove(from, to)]).toEqual([from, to, allowed]);
  });
});

describe("the engine's transitions", () => {
  it("starts scheduled broadcasts whose time came, and only those", () => {
    const due = launched(clock.now() + 1000);
    const later = launched(clock.now() + 60_000);
    expect(runs.startDue(clock.now())).toEqual([]);
    clock.advance(1000);
    expect(runs.startDue(clock.now())).toEqual([due.id]);
    expect(broadcasts.get(due.id)).toMatchObject({ status: "running", startedAt: clock.now() });
    expect(broadcasts.get(later.id).status).toBe("scheduled");
  });

  it("does not start one an organiser paused while it waited", () => {
    const row = launched(clock.now() + 1000);
    broadcasts.pause(row.id);
    clock.advance(1000);
    expect(runs.startDue(clock.now())).toEqual([]);
    expect(broadcasts.get(row.id).status).toBe("paused");
  });

  it("pauses itself only while running, and resumes only what it paused for an outage", () => {
    const outage = launched();
    const failures = launched();
    expect(runs.pauseItself(outage.id, "outage", "Bad Gateway")).toBe(true);
    expect(runs.pauseItself(outage.id, "outage", "Bad Gateway")).toBe(false);
    expect(runs.pauseItself(failures.id, "failures", "chat not found")).toBe(true);
    expect(runs.anyPausedForOutage()).toBe(true);
    expect(runs.resumeAfterOutage()).toEqual([outage.id]);
    expect(broadcasts.get(outage.id)).toMatchObject({ status: "running", pausedBy: null, pauseReason: null });
    expect(broadcasts.get(failures.id)).toMatchObject({ status: "paused", pausedBy: "failures" });
    expect(runs.anyPausedForOutage()).toBe(false);
  });

  it("lets an organiser take over the engine's pause, which it then never lifts", () => {
    const row = launched();
    runs.pauseItself(row.id, "outage", "Bad Gateway");
    broadcasts.pause(row.id, "wait");
    expect(runs.resumeAfterOutage()).toEqual([]);
    expect(() => broadcasts.pause(row.id)).toThrow(BroadcastStateError);
    expect(broadcasts.resume(row.id).status).toBe("running");
  });

  it("finishes only a running broadcast", () => {
    const row = launched();
    broadcasts.cancel(row.id);
    expect(runs.finish(row.id, clock.now())).toBe(false);
    expect(broadcasts.get(row.id).status).toBe("cancelled");
    const other = launched();
    expect(runs.finish(other.id, clock.now())).toBe(true);
    expect(broadcasts.get(other.id)).toMatchObject({ status: "done", finishedAt: clock.now() });
    expect(() => broadcasts.cancel(other.id)).toThrow(BroadcastStateError);
  });

  it("expires pending rows and counts them in one step", () => {
    const row = launched();
    const insert = database.sqlite.prepare(
      "INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, status, not_before, created_at) VALUES (?, ?, 'bulk', ?, ?, 0, 0)",
    );
    insert.run(`broadcast:${row.id}`, 1, row.id, "pending");
    insert.run(`broadcast:${row.id}`, 2, row.id, "pending");
    insert.run(`broadcast:${row.id}`, 3, row.id, "sending");
    expect(runs.expire(row.id)).toBe(2);
    expect(broadcasts.get(row.id)).toMatchObject({ expired: 2, audienceComplete: true, status: "running" });
  });
});
