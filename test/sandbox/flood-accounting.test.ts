import { describe, expect, it } from "vitest";
import { createSandbox, JITTER_SPIKES, MODEL_LATENCY, NETWORK_JITTER_MS } from "../../src/sandbox/index.js";
import { createLatencyPicker } from "../../src/sandbox/latency.js";
import { fakeClock, type Harness, rawCall, startedUser, startSandbox } from "./helpers.js";

const ONLY_BULK = { bulkPerSecond: 1, chatPerSecond: 0, groupPerMinute: 0 };

/** A user who started the bot earlier: writable, with no reply window that would skip the bulk limit. */
const earlierUser = (h: Harness, name: string): number =>
  h.sb.createUser({ first_name: name }, { started: true }).id;

describe("violations over HTTP, by send time", () => {
  it("counts over-limit sends, and a send after the 429 arrived as a penalty", async () => {
    const clock = fakeClock();
    const h = await startSandbox({
      clock,
      model: "strict",
      limits: ONLY_BULK,
      latency: { minMs: 0, maxMs: 0 },
    });
    try {
      const [a, b, c] = ["A", "B", "C"].map((n) => earlierUser(h, n));
      expect((await rawCall(h.sb, "sendMessage", { chat_id: a, text: "1" })).status).toBe(200);
      const refused = await rawCall(h.sb, "sendMessage", { chat_id: b, text: "2" });
      expect(refused.body).toMatchObject({ error_code: 429, parameters: { retry_after: 1 } });
      // A client that waits the second out is fine...
      clock.advance(1000);
      expect((await rawCall(h.sb, "sendMessage", { chat_id: b, text: "2" })).status).toBe(200);
      const again = await rawCall(h.sb, "sendMessage", { chat_id: c, text: "3" });
      expect(again.body.parameters?.retry_after).toBe(1);
      // ...one that comes back after 300 ms, with the answer in hand, is punished.
      clock.advance(300);
      const punished = await rawCall(h.sb, "sendMessage", { chat_id: c, text: "3" });
      expect(punished.body).toMatchObject({ error_code: 429, parameters: { retry_after: 2 } });
      expect(h.sb.stats()).toMatchObject({
        http429: 3,
        http429ByScope: { bulk: 3 },
        violations: { bulk: 2, perChat: 0, group: 0, penalty: 1 },
      });
      h.sb.resetStats();
      expect(h.sb.stats().violations).toEqual({ bulk: 0, perChat: 0, group: 0, penalty: 0 });
    } finally {
      await h.close();
    }
  });

  it("does not punish requests already on their way when the 429 went out", async () => {
    // The clock stands still: only the order of receipt, arrival and delivery decides.
    const clock = fakeClock();
    const h = await startSandbox({
      clock,
      model: "strict",
      limits: ONLY_BULK,
      latency: { minMs: 300, maxMs: 300 },
    });
    try {
      const users = ["A", "B", "C", "D"].map((n) => earlierUser(h, n));
      expect((await rawCall(h.sb, "sendMessage", { chat_id: users[0], text: "1" })).status).toBe(200);
      // Both are received within a few ms; each arrives 150 ms later, well before either 429 is delivered.
      const inFlight = await Promise.all(
        [users[1], users[2]].map((id) => rawCall(h.sb, "sendMessage", { chat_id: id, text: "x" })),
      );
      expect(inFlight.map((r) => r.body.parameters?.retry_after)).toEqual([1, 1]);
      expect(h.sb.stats().violations).toEqual({ bulk: 2, perChat: 0, group: 0, penalty: 0 });
      // Sent with both answers in hand: a penalty, and the wait doubles.
      const late = await rawCall(h.sb, "sendMessage", { chat_id: users[3], text: "y" });
      expect(late.body.parameters?.retry_after).toBe(2);
      expect(h.sb.stats().violations.penalty).toBe(1);
    } finally {
      await h.close();
    }
  });

  it("counts per-chat and group violations by kind", async () => {
    const clock = fakeClock();
    const h = await startSandbox({ clock, model: "strict", limits: { bulkPerSecond: 0, groupPerMinute: 2 } });
    try {
      const ann = startedUser(h.sb);
      const group = h.sb.createGroup({ title: "G", memberIds: [ann] });
      for (let i = 0; i < 3; i++) await h.api.sendMessage(ann, `m${i}`);
      expect((await rawCall(h.sb, "sendMessage", { chat_id: ann, text: "4" })).status).toBe(429);
      for (let i = 0; i < 2; i++) await h.api.sendMessage(group.id, `g${i}`);
      expect((await rawCall(h.sb, "sendMessage", { chat_id: group.id, text: "3" })).status).toBe(429);
      expect(h.sb.stats()).toMatchObject({
        http429ByScope: { chat: 1, group: 1 },
        violations: { bulk: 0, perChat: 1, group: 1, penalty: 0 },
      });
    } finally {
      await h.close();
    }
  });
});

describe("models and their latency", () => {
  it("defaults to strict; strict and hidden answer in about 20 ms, bucket at once, jitter in 10-400 ms", () => {
    expect(createSandbox().model).toBe("strict");
    expect(createSandbox().latency).toEqual({ minMs: 15, maxMs: 25, split: "even" });
    expect(createSandbox({ model: "bucket" }).latency).toEqual({ minMs: 0, maxMs: 0, split: "even" });
    const hidden = createSandbox({ model: "hidden", limits: { bulkPerSecond: 30 } });
    expect([hidden.latency, hidden.hiddenRate]).toEqual([MODEL_LATENCY.hidden, 24]);
    expect(createSandbox({ model: "jitter" }).latency).toEqual({ minMs: 10, maxMs: 400, split: "answer" });
    // A latency given explicitly stays when the model changes.
    const sb = createSandbox({ latency: { minMs: 1, maxMs: 2 } });
    sb.setModel("jitter");
    expect(sb.latency).toEqual({ minMs: 1, maxMs: 2, split: "even" });
    expect(() => sb.setLatency({ split: "sideways" as never })).toThrow(/split/);
    const follows = createSandbox();
    follows.setModel("hidden", { hiddenRate: 10 });
    expect([follows.model, follows.hiddenRate, follows.latency]).toEqual([
      "hidden",
      10,
      MODEL_LATENCY.hidden,
    ]);
    expect(() => follows.setModel("hidden", { hiddenRate: -3 })).toThrow(/hiddenRate/);
  });

  it("jitter draws are reproducible by seed, 10-400 ms with about 2 % spikes of 1-2 s", () => {
    const range = MODEL_LATENCY.jitter;
    const draw = (seed: number) => {
      const pick = createLatencyPicker(seed);
      return Array.from({ length: 10_000 }, () => pick(range, true));
    };
    const first = draw(42);
    expect(draw(42)).toEqual(first);
    expect(draw(43)).not.toEqual(first);
    const totals = first.map((d) => d.inboundMs + d.outboundMs);
    const spikes = first.filter((d) => d.inboundMs + d.outboundMs >= JITTER_SPIKES.minMs);
    expect(spikes.length / totals.length).toBeGreaterThan(0.01);
    expect(spikes.length / totals.length).toBeLessThan(0.03);
    expect(totals.every((t) => t <= JITTER_SPIKES.maxMs)).toBe(true);
    expect(totals.filter((t) => t < JITTER_SPIKES.minMs).every((t) => t >= 10 && t <= 400)).toBe(true);
    // The spread is on the answers: a request reaches Telegram within 20 ms of the least latency's half,
    // unless a spike delays the way there (about half of the spikes).
    const calm = first.filter((d) => d.inboundMs + d.outboundMs < JITTER_SPIKES.minMs);
    expect(calm.every((d) => d.inboundMs >= 5 && d.inboundMs <= 5 + NETWORK_JITTER_MS)).toBe(true);
    expect(new Set(calm.map((d) => d.inboundMs)).size).toBeGreaterThan(10);
    const lateThere = spikes.filter((d) => d.inboundMs > 5 + NETWORK_JITTER_MS).length;
    expect(lateThere / spikes.length).toBeGreaterThan(0.3);
    expect(lateThere / spikes.length).toBeLessThan(0.7);
    // Split evenly, the way there is as jittered as the way back.
    const even = createLatencyPicker(42);
    for (let i = 0; i < 1000; i++) {
      const d = even({ ...range, split: "even" }, true);
      expect(Math.abs(d.inboundMs - d.outboundMs)).toBeLessThanOrEqual(1);
    }
    // Without spikes (every other model) the range is all there is.
    const plain = createLatencyPicker(1);
    for (let i = 0; i < 1000; i++) {
      const d = plain({ minMs: 15, maxMs: 25 }, false);
      expect(d.inboundMs + d.outboundMs).toBeGreaterThanOrEqual(15);
      expect(d.inboundMs + d.outboundMs).toBeLessThanOrEqual(25);
    }
  });
});
