import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/clock.js";
import {
  CLOSE_MARGIN_MS,
  createFloodGate,
  type FloodGate,
  GateClosedError,
  type GateRequest,
  GateWithdrawnError,
  JITTER_MARGIN_MS,
  JITTER_STEP_MS,
  MAX_JITTER_MS,
} from "../../src/delivery/flood-gate.js";
import { gateRequestOf } from "../../src/delivery/gated-api.js";

const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const FLOOD = (retryAfter: number) => ({
  ok: false,
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});
const OK = { ok: true, result: true };

const bulk = (chatId: number): GateRequest => ({
  lane: "bulk",
  method: "sendMessage",
  kind: "message",
  chatId,
});
const reply = (chatId: number): GateRequest => ({
  lane: "reply",
  method: "sendMessage",
  kind: "message",
  chatId,
});

/** Records when each call went on the wire; answers as `answer` says (default: ok at once). */
function recorder(answer: (n: number) => unknown = () => OK) {
  const sentAt: number[] = [];
  const order: string[] = [];
  return {
    sentAt,
    order,
    call(label: string) {
      return () => {
        sentAt.push(Date.now());
        order.push(label);
        return Promise.resolve(answer(sentAt.length));
      };
    },
  };
}

/** The most sends found in any window of `ms` (sends exactly `ms` apart are in different windows). */
function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("the flood gate", () => {
  let gate: FloodGate;
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    gate?.close();
    vi.useRealTimers();
  });

  it("never lets more than the rate go out in any second plus the jitter margin, evenly spaced", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder();
    const all = Array.from({ length: 120 }, (_, i) => gate.run(bulk(1000 + i), r.call(`b${i}`)));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    expect(r.sentAt).toHaveLength(120);
    expect(maxInWindow(r.sentAt, 1000 + JITTER_MARGIN_MS)).toBeLessThanOrEqual(30);
    // Four seconds of sending at about 28.8 a second: not slower than the margin costs.
    expect((r.sentAt.at(-1) as number) - T0).toBeLessThan(4300);
    expect(gate.effectiveRate()).toBeCloseTo(28.8, 1);
  });

  it("closes a scope on a 429 for retry_after: nothing queued before it goes out until then, and the rate drops", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder((n) => (n === 5 ? FLOOD(3) : OK));
    const all = Array.from({ length: 30 }, (_, i) => gate.run(bulk(2000 + i), r.call(`b${i}`)));
    await vi.advanceTimersByTimeAsync(200);
    // The 5th call was refused at about 4 × 34.7 ms: the scope reopens 3 s + margin after its answer.
    const refusedAt = r.sentAt[4] as number;
    await vi.advanceTimersByTimeAsync(10_000);
    const results = await Promise.all(all);
    expect(results.every((x) => (x as { ok: boolean }).ok)).toBe(true);
    const during = r.sentAt.filter((t) => t > refusedAt && t < refusedAt + 3000 + CLOSE_MARGIN_MS);
    expect(during).toEqual([]);
    // The refused call went again (the first after the wait): it was not lost and cost no attempt.
    expect(r.order.filter((l) => l === "b4")).toHaveLength(2);
    expect(r.order[5]).toBe("b4");
    expect(gate.effectiveRate()).toBeLessThan(28);
    expect(gate.stats().floods.bulk).toBe(1);
    expect(gate.stats().rateDecreases).toBe(1);
  });

  it("lowers the rate once for calls that were already on the wire, then probes back up while busy", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const answers: Array<(v: unknown) => void> = [];
    // Held on the wire until the test answers them 429; sent again, they are answered at once.
    const held = Array.from({ length: 3 }, (_, i) =>
      gate.run(bulk(3000 + i), () =>
        answers.length < 3 ? new Promise((resolve) => answers.push(resolve)) : Promise.resolve(OK),
      ),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(answers).toHaveLength(3);
    for (const answer of answers) answer(FLOOD(1));
    await vi.advanceTimersByTimeAsync(0);
    const lowered = gate.effectiveRate();
    expect(gate.stats().rateDecreases).toBe(1);
    expect(lowered).toBeLessThan(26);
    // Keep the lane busy for a minute: the rate climbs back to the configured one.
    const r = recorder();
    const more = Array.from({ length: 1800 }, (_, i) => gate.run(bulk(10_000 + i), r.call("x")));
    await vi.advanceTimersByTimeAsync(70_000);
    expect(gate.effectiveRate()).toBeCloseTo(28.8, 1);
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all([...held, ...more]);
    expect(r.sentAt).toHaveLength(1800);
  });

  it("keeps its windows while answers come back jittered; a 429 widens them a step, as far as the jitter measured, before the rate goes down", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    // Answers take 10-400 ms: that alone proves nothing about how requests arrive.
    let n = 0;
    const jittered = () => new Promise((resolve) => setTimeout(() => resolve(OK), 10 + ((n++ * 37) % 391)));
    const calls = Array.from({ length: 200 }, (_, i) => gate.run(bulk(20_000 + i), jittered));
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all(calls);
    const narrow = 30 / (1 + JITTER_MARGIN_MS / 1000);
    expect(gate.effectiveRate()).toBeCloseTo(narrow, 0);
    // Each 429 episode: the margin widens by a step (half the p5..p95 spread, ~175 ms, is the most).
    const rates: number[] = [];
    for (let episode = 0; episode < 6; episode++) {
      let answers = 0;
      const refusedOnce = gate.run(bulk(30_000 + episode), () =>
        Promise.resolve(answers++ === 0 ? FLOOD(1) : OK),
      );
      await vi.advanceTimersByTimeAsync(10);
      rates.push(gate.effectiveRate());
      await vi.advanceTimersByTimeAsync(2000);
      await refusedOnce;
    }
    const windowOf = (jitterMs: number) => Math.round((30 * 10_000) / (1000 + jitterMs)) / 10;
    expect(rates.slice(0, 3)).toEqual([
      windowOf(JITTER_MARGIN_MS + JITTER_STEP_MS),
      windowOf(JITTER_MARGIN_MS + 2 * JITTER_STEP_MS),
      windowOf(JITTER_MARGIN_MS + 3 * JITTER_STEP_MS),
    ]);
    // Then no wider than the jitter measured (never MAX_JITTER_MS here): the rate goes down instead.
    expect(rates[4]).toBeGreaterThan(windowOf(MAX_JITTER_MS));
    expect(rates[4]).toBeLessThanOrEqual(rates[3] as number);
    expect(gate.stats().rateDecreases).toBe(1);
    expect(rates[5]).toBeLessThan(windowOf(MAX_JITTER_MS));
  });

  it("keeps counting a call sent before the window while it has no answer, and from its answer on: it may arrive late", async () => {
    gate = createFloodGate({ rate: 3, paidRate: 1000, clock: systemClock });
    const windowMs = 1000 + JITTER_MARGIN_MS;
    let release: (v: unknown) => void = () => {};
    const r = recorder();
    const late = gate.run(bulk(1), () => {
      r.sentAt.push(Date.now());
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    const rest = Array.from({ length: 6 }, (_, i) => gate.run(bulk(10 + i), r.call(`c${i}`)));
    await vi.advanceTimersByTimeAsync(3000);
    // While the first call hangs, every window as sent holds two, not three.
    const times = r.sentAt.slice(1);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(r.sentAt[1] as number).toBeLessThan(T0 + windowMs);
    const afterFirstLeft = times.filter((t) => t >= T0 + windowMs);
    for (const t of afterFirstLeft) {
      expect(times.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(2);
    }
    const releasedAt = Date.now();
    release(OK);
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all([late, ...rest]);
    // Answered that late, it may have arrived just now: it counts as sent when answered.
    const counted = [...r.sentAt.slice(1), releasedAt];
    expect(maxInWindow(counted, windowMs)).toBeLessThanOrEqual(3);
    expect(r.sentAt.filter((t) => t > releasedAt && t < releasedAt + windowMs).length).toBeLessThanOrEqual(2);
  });

  it("gives replies priority over bulk, but never lets them into a closed scope", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder((n) => (n === 1 ? FLOOD(2) : OK));
    const queued = Array.from({ length: 10 }, (_, i) => gate.run(bulk(4000 + i), r.call(`bulk${i}`)));
    await vi.advanceTimersByTimeAsync(10);
    // Bulk is closed now (the first call's 429). A reply to a chat outside the reply window needs bulk too.
    const answer = gate.run(reply(77), r.call("reply"));
    await vi.advanceTimersByTimeAsync(1500);
    expect(r.order).toEqual(["bulk0"]);
    await vi.advanceTimersByTimeAsync(1000);
    await answer;
    // The reply went first once the scope reopened, ahead of the refused bulk call and the rest.
    expect(r.order.slice(0, 3)).toEqual(["bulk0", "reply", "bulk0"]);
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all(queued);
  });

  it("answers a user who just wrote outside the bulk lane, still within the chat's own limit", async () => {
    gate = createFloodGate({ rate: 1, paidRate: 1000, clock: systemClock });
    gate.noteUserUpdate(55, Date.now());
    const r = recorder();
    const sends = Array.from({ length: 5 }, (_, i) => gate.run(reply(55), r.call(`r${i}`)));
    await vi.advanceTimersByTimeAsync(3500);
    // Three at once (the chat's burst), then the chat's window; the bulk rate of 1/s played no part.
    expect(r.sentAt.slice(0, 3).every((t) => t === T0)).toBe(true);
    expect((r.sentAt[3] as number) - T0).toBeGreaterThanOrEqual(3250);
    expect((r.sentAt[3] as number) - T0).toBeLessThan(3260);
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all(sends);
  });

  it("keeps a group to 20 messages and edits in any minute", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder();
    const calls = Array.from({ length: 25 }, (_, i) =>
      gate.run(
        i % 2 ? { lane: "reply", method: "editMessageText", kind: "edit", chatId: -100 } : reply(-100),
        r.call(`g${i}`),
      ),
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(r.sentAt).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all(calls);
    expect(maxInWindow(r.sentAt, 60_000)).toBeLessThanOrEqual(20);
  });

  it("does not send again a call withdrawn while on the wire when its answer is a 429", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const cancel = new AbortController();
    let answer: (v: unknown) => void = () => {};
    let calls = 0;
    const sent = gate.run(
      bulk(1),
      () => {
        calls++;
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
      { cancel: cancel.signal },
    );
    const settled = expect(sent).rejects.toBeInstanceOf(GateWithdrawnError);
    await vi.advanceTimersByTimeAsync(5);
    cancel.abort();
    answer(FLOOD(1));
    await settled;
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(1);
  });

  it("gives up on a reply that waits behind another call's 429 past its give-up time", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder((n) => (n === 1 ? FLOOD(60) : OK));
    const refused = gate.run(bulk(1), r.call("bulk"));
    await vi.advanceTimersByTimeAsync(10);
    const waiting = gate.run({ ...reply(2), giveUpAt: Date.now() + 5000 }, r.call("reply"));
    await vi.advanceTimersByTimeAsync(100);
    await expect(waiting).resolves.toMatchObject({ error_code: 429 });
    expect(r.order).toEqual(["bulk"]);
    gate.close();
    // The refused call was still waiting out its 60 s: closing the gate gives it up.
    await expect(refused).rejects.toBeInstanceOf(GateClosedError);
  });

  it("blames a busy chat's 429 on the chat alone while the bulk lane is quiet", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder((n) => (n === 3 ? FLOOD(5) : OK));
    const toSeven = [gate.run(reply(7), r.call("a")), gate.run(reply(7), r.call("b"))];
    const third = gate.run(reply(7), r.call("c"));
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(toSeven);
    const other = gate.run(bulk(8), r.call("to8"));
    await vi.advanceTimersByTimeAsync(100);
    await other;
    // The other chat went at once and the rate stayed; chat 7 waits out its own retry_after.
    expect(r.order).toEqual(["a", "b", "c", "to8"]);
    expect(gate.effectiveRate()).toBeCloseTo(28.8, 1);
    await vi.advanceTimersByTimeAsync(6000);
    await third;
    expect(r.order).toEqual(["a", "b", "c", "to8", "c"]);
  });

  it("blames a busy chat's 429 on the bulk lane too when the lane is busy", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder((n) => (n === 19 ? FLOOD(2) : OK));
    const calls = [
      ...Array.from({ length: 16 }, (_, i) => gate.run(bulk(500 + i), r.call(`b${i}`))),
      ...Array.from({ length: 3 }, (_, i) => gate.run(bulk(7), r.call(`seven${i}`))),
      gate.run(bulk(600), r.call("after")),
    ];
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(calls);
    const refusedAt = r.sentAt[18] as number;
    const after = r.sentAt[r.order.indexOf("after")] as number;
    // The lane was more than half full: it closed for the retry_after and its rate came down.
    expect(after - refusedAt).toBeGreaterThanOrEqual(2000);
    expect(gate.effectiveRate()).toBeLessThan(28);
  });

  it("withdraws a call that is still waiting, and never sends it", async () => {
    gate = createFloodGate({ rate: 1, paidRate: 1000, clock: systemClock });
    const r = recorder();
    const first = gate.run(bulk(1), r.call("first"));
    const cancel = new AbortController();
    const second = gate.run(bulk(2), r.call("second"), { cancel: cancel.signal });
    cancel.abort();
    await expect(second).rejects.toBeInstanceOf(GateWithdrawnError);
    await vi.advanceTimersByTimeAsync(5000);
    await first;
    expect(r.order).toEqual(["first"]);
  });

  it("answers with the 429 when a call would wait past its give-up time", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock });
    const r = recorder(() => FLOOD(30));
    const result = gate.run({ ...reply(9), giveUpAt: Date.now() + 5000 }, r.call("r"));
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toMatchObject({ error_code: 429 });
    expect(r.order).toEqual(["r"]);
  });

  it("aborts a call that hangs, at the request timeout", async () => {
    gate = createFloodGate({ rate: 30, paidRate: 1000, clock: systemClock, requestTimeoutMs: 4000 });
    const hung = gate.run(bulk(5), (signal) => {
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const settled = expect(hung).rejects.toThrow(/within 4000 ms/);
    await vi.advanceTimersByTimeAsync(4000);
    await settled;
    expect(gate.stats().timeouts).toBe(1);
  });

  it("rejects what still waits when it closes", async () => {
    gate = createFloodGate({ rate: 1, paidRate: 1000, clock: systemClock });
    const r = recorder();
    const first = gate.run(bulk(1), r.call("a"));
    const waiting = gate.run(bulk(2), r.call("b"));
    await vi.advanceTimersByTimeAsync(10);
    await first;
    gate.close();
    await expect(waiting).rejects.toBeInstanceOf(GateClosedError);
    await expect(gate.run(bulk(3), r.call("c"))).rejects.toBeInstanceOf(GateClosedError);
  });
});

describe("what a Bot API call costs", () => {
  it("counts sends against the chat and bulk, edits against the chat, and other calls against nothing", () => {
    expect(gateRequestOf("sendMessage", { chat_id: 5, text: "x" }, "reply")).toEqual({
      lane: "reply",
      method: "sendMessage",
      kind: "message",
      chatId: 5,
    });
    expect(
      gateRequestOf("copyMessage", { chat_id: "-100", allow_paid_broadcast: true }, "bulk"),
    ).toMatchObject({
      kind: "message",
      chatId: -100,
      paid: true,
    });
    expect(gateRequestOf("editMessageText", { chat_id: -7, message_id: 1 }, "reply")).toMatchObject({
      kind: "edit",
      chatId: -7,
    });
    expect(gateRequestOf("answerCallbackQuery", { callback_query_id: "1" }, "reply")).toEqual({
      lane: "reply",
      method: "answerCallbackQuery",
      kind: "other",
    });
    expect(gateRequestOf("sendDocument", { chat_id: 1 }, "reply").timeoutMs).toBe(60_000);
  });
});
