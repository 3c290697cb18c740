import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/clock.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { createFloodClosureStore } from "../../src/delivery/flood-closures.js";
import { CLOSE_MARGIN_MS, createFloodGate, type FloodGate } from "../../src/delivery/flood-gate.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const FLOOD = (retryAfter: number) => ({
  ok: false,
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});
const OK = { ok: true, result: true };

describe("closed scopes across a restart", () => {
  let dir: { path: string; cleanup(): void };
  let database: HeraldDatabase;
  let gates: FloodGate[];
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    dir = makeTempDir();
    database = openDatabase(join(dir.path, "herald.db"));
    gates = [];
  });
  afterEach(() => {
    for (const gate of gates) gate.close();
    vi.useRealTimers();
    database.close();
    dir.cleanup();
  });

  const makeGate = () => {
    const gate = createFloodGate({
      rate: 30,
      paidRate: 1000,
      clock: systemClock,
      closures: createFloodClosureStore(database.sqlite),
    });
    gates.push(gate);
    return gate;
  };

  it("a gate made after a 429 waits out the retry_after its predecessor was told, in the bulk lane and the chat", async () => {
    const first = makeGate();
    let answers = 0;
    const refused = first.run({ lane: "bulk", method: "sendMessage", kind: "message", chatId: 42 }, () =>
      Promise.resolve(answers++ === 0 ? FLOOD(20) : OK),
    );
    await vi.advanceTimersByTimeAsync(10);
    // Killed here: what it was told is in the database, not only in its memory.
    first.close();
    await refused.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(2000);

    const second = makeGate();
    const sentAt: Record<string, number> = {};
    const call = (label: string) => () => {
      sentAt[label] = Date.now();
      return Promise.resolve(OK);
    };
    const bulk = second.run(
      { lane: "bulk", method: "sendMessage", kind: "message", chatId: 7 },
      call("bulk"),
    );
    const other = second.run({ lane: "reply", method: "getMe", kind: "other" }, call("other"));
    await vi.advanceTimersByTimeAsync(25_000);
    await Promise.all([bulk, other]);
    const reopens = T0 + 10 + 20_000 + CLOSE_MARGIN_MS;
    expect(sentAt.bulk).toBeGreaterThanOrEqual(reopens - 10);
    // A scope it was never told about was never closed.
    expect(sentAt.other).toBeLessThan(T0 + 2100);
    const stored = database.sqlite.prepare("SELECT scope FROM flood_closures ORDER BY scope").all();
    expect(stored).toEqual([{ scope: "bulk" }, { scope: "chat:42" }]);
  });

  it("forgets closures that have ended, and never shortens one", () => {
    const store = createFloodClosureStore(database.sqlite);
    store.save({ scope: "bulk", closedUntil: T0 + 5000 });
    store.save({ scope: "bulk", closedUntil: T0 + 1000 });
    store.save({ scope: "group:-100", closedUntil: T0 + 500 });
    expect(store.load(T0 + 600)).toEqual([{ scope: "bulk", closedUntil: T0 + 5000 }]);
    expect(store.load(T0 + 5000)).toEqual([]);
  });
});
