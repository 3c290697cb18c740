import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import type { OutageMode, SandboxOptions } from "../../src/sandbox/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { rawCall, startedUser, startSandbox, TOKEN } from "./helpers.js";

const NO_LIMITS = { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 };

/** Sends `count` messages during an outage and reports how each failed and what was stored. */
async function outageRun(opts: SandboxOptions, modes: OutageMode[], count: number) {
  const h = await startSandbox({ limits: NO_LIMITS, ...opts });
  try {
    const userId = startedUser(h.sb);
    h.sb.startOutage(60, { modes });
    const outcomes: string[] = [];
    for (let i = 0; i < count; i++) {
      try {
        await h.api.sendMessage(userId, `m${i}`);
        outcomes.push("ok");
      } catch (err) {
        outcomes.push(
          err instanceof GrammyError ? String(err.error_code) : err instanceof HttpError ? "lost" : "?",
        );
      }
    }
    return { outcomes, stored: h.sb.botMessages(userId).map((m) => m.text), stats: h.sb.stats() };
  } finally {
    await h.close();
  }
}

describe("outage", () => {
  it("answers every call 500/502 and stores nothing, getUpdates included; ends on demand", async () => {
    const h = await startSandbox({ limits: NO_LIMITS });
    try {
      const userId = startedUser(h.sb);
      h.sb.startOutage(60, { modes: ["5xx"] });
      expect(h.sb.outage.active).toBe(true);
      // Handlers attached at once: a call that fails before the loop reaches it is not an unhandled rejection.
      const calls = [h.api.sendMessage(userId, "x"), h.api.getUpdates(), h.api.getMe()].map((call) =>
        call.then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      for (const err of await Promise.all(calls)) {
        expect(err).toBeInstanceOf(GrammyError);
        expect([500, 502]).toContain((err as GrammyError).error_code);
      }
      expect(h.sb.botMessages(userId)).toEqual([]);
      const stats = h.sb.stats();
      expect(stats.outageCalls).toBe(3);
      expect((stats.errors["500"] ?? 0) + (stats.errors["502"] ?? 0)).toBe(3);
      h.sb.endOutage();
      expect(h.sb.outage).toEqual({ active: false, remainingMs: 0 });
      await expect(h.api.sendMessage(userId, "after")).resolves.toMatchObject({ text: "after" });
      expect(() => h.sb.startOutage(0)).toThrow(/seconds/);
      expect(() => h.sb.startOutage(5, { modes: [] })).toThrow(/modes/);
    } finally {
      await h.close();
    }
  });

  it("loses answers: the message is stored, the client hears nothing", async () => {
    const run = await outageRun({}, ["lost"], 3);
    expect(run.outcomes).toEqual(["lost", "lost", "lost"]);
    expect(run.stored).toEqual(["m0", "m1", "m2"]);
    expect(run.stats).toMatchObject({ outageCalls: 3, messagesSent: 3, dropped: 0 });
  });

  it("hangs calls: the client's timeout fires first; later the socket is cut with nothing stored", async () => {
    const h = await startSandbox({ limits: NO_LIMITS });
    try {
      const userId = startedUser(h.sb);
      // Long enough that both calls below arrive within it on a loaded machine (0.2 s was not).
      h.sb.startOutage(1.5, { modes: ["hang"], hangExtraMs: 100 });
      const url = `${h.sb.url}/bot${TOKEN}/sendMessage`;
      const init = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: userId, text: "hung" }),
      };
      // The client gives up on a hung call (once the sandbox has it: on a loaded machine a call
      // aborted too soon may never have reached it).
      const giveUp = new AbortController();
      const first = fetch(url, { ...init, signal: giveUp.signal });
      const settled = expect(first).rejects.toThrow(/abort|timeout/i);
      await waitFor(() => h.sb.stats().outageCalls >= 1, { what: "the sandbox to hold the first call" });
      giveUp.abort();
      await settled;
      const cut = new Promise((resolve) => h.sb.events.on("request", resolve));
      await expect(fetch(url, init)).rejects.toThrow(/fetch failed/);
      expect(await cut).toEqual({ method: "sendMessage", status: 0 });
      expect(h.sb.botMessages(userId)).toEqual([]);
      expect(h.sb.stats().outageCalls).toBe(2);
      // Once it is over, calls are answered again.
      expect((await rawCall(h.sb, "getMe")).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it("draws the failure per call from the seed, reproducibly", async () => {
    const first = await outageRun({ seed: 7 }, ["5xx", "lost"], 16);
    const again = await outageRun({ seed: 7 }, ["5xx", "lost"], 16);
    expect(again.outcomes).toEqual(first.outcomes);
    expect(new Set(first.outcomes.map((o) => (o === "lost" ? o : "5xx")))).toEqual(new Set(["5xx", "lost"]));
    expect(first.stored.length).toBe(first.outcomes.filter((o) => o === "lost").length);
    const other = await outageRun({ seed: 8 }, ["5xx", "lost"], 16);
    expect(other.outcomes).not.toEqual(first.outcomes);
  });
});
