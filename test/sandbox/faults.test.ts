import { HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import type { SandboxOptions } from "../../src/sandbox/index.js";
import { apiError, rawCall, startedUser, startSandbox } from "./helpers.js";

const NO_LIMITS = { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 };

/** Sends `count` messages and reports which calls failed how and which messages were stored. */
async function dropRun(opts: SandboxOptions, count: number) {
  const h = await startSandbox({ limits: NO_LIMITS, ...opts });
  try {
    const userId = startedUser(h.sb);
    const outcomes: string[] = [];
    for (let i = 0; i < count; i++) {
      try {
        await h.api.sendMessage(userId, `m${i}`);
        outcomes.push("ok");
      } catch (err) {
        outcomes.push(err instanceof HttpError ? "network" : "api");
      }
    }
    return { outcomes, stored: h.sb.botMessages(userId).map((m) => m.text), stats: h.sb.stats() };
  } finally {
    await h.close();
  }
}

describe("fault injection", () => {
  it("answers 500 for errorRate and stores nothing, but leaves non-message methods alone", async () => {
    const h = await startSandbox({ faults: { errorRate: 1 } });
    try {
      const userId = startedUser(h.sb);
      const err = await apiError(h.api.sendMessage(userId, "x"));
      expect(err.error_code).toBe(500);
      expect(err.description).toBe("Internal Server Error");
      expect(h.sb.botMessages(userId)).toEqual([]);
      await expect(h.api.getMe()).resolves.toMatchObject({ is_bot: true });
      await expect(h.api.getUpdates()).resolves.toHaveLength(1);
      expect(h.sb.stats().errors).toEqual({ "500": 1 });
    } finally {
      await h.close();
    }
  });

  it("drops connections before and after storing, reproducibly for a seed", async () => {
    const first = await dropRun({ faults: { dropRate: 1 }, seed: 7 }, 16);
    expect(first.outcomes.every((o) => o === "network")).toBe(true);
    expect(first.stats.dropped).toBe(16);
    // Some sends were stored although the client never heard back: the ambiguous case.
    expect(first.stored.length).toBeGreaterThan(0);
    expect(first.stored.length).toBeLessThan(16);
    expect(first.stats.messagesSent).toBe(first.stored.length);
    const again = await dropRun({ faults: { dropRate: 1 }, seed: 7 }, 16);
    expect(again.stored).toEqual(first.stored);
    const mixed = await dropRun({ faults: { dropRate: 0.3, errorRate: 0.2 }, seed: 99 }, 20);
    const mixedAgain = await dropRun({ faults: { dropRate: 0.3, errorRate: 0.2 }, seed: 99 }, 20);
    expect(mixedAgain.outcomes).toEqual(mixed.outcomes);
    expect(new Set(mixed.outcomes)).toEqual(new Set(["ok", "network", "api"]));
  });

  it("stores slow answers and applies latency without changing results", async () => {
    const h = await startSandbox({
      limits: NO_LIMITS,
      faults: { slowRate: 1, slowMs: 5 },
      latency: { minMs: 1, maxMs: 3 },
    });
    try {
      const userId = startedUser(h.sb);
      await expect(h.api.sendMessage(userId, "slow but sure")).resolves.toMatchObject({
        text: "slow but sure",
      });
      expect(h.sb.botMessages(userId)).toHaveLength(1);
      h.sb.setFaults({ slowRate: 0 });
      h.sb.setLatency({ minMs: 0, maxMs: 0 });
      expect(h.sb.faults.slowRate).toBe(0);
      expect(() => h.sb.setLatency({ minMs: 5, maxMs: 1 })).toThrow(/maxMs/);
      expect(() => h.sb.setFaults({ dropRate: 1.5 })).toThrow(/dropRate/);
    } finally {
      await h.close();
    }
  });

  it("answers pending long polls on close", async () => {
    const h = await startSandbox();
    const poll = rawCall(h.sb, "getUpdates", { timeout: 30 });
    await new Promise((resolve) => h.sb.events.once("poll", resolve));
    await h.close();
    expect((await poll).body).toEqual({ ok: true, result: [] });
  });
});
