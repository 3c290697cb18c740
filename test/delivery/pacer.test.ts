import { describe, expect, it } from "vitest";
import { createPacer } from "../../src/delivery/pacer.js";

const T0 = 1_000_000;

describe("createPacer", () => {
  it("spaces messages at the rate once the burst is used", () => {
    const pacer = createPacer({ ratePerSecond: 30, burst: 3, perChatIntervalMs: 1000 });
    const slots = Array.from({ length: 9 }, (_, i) => pacer.reserve(i + 1, T0) - T0);
    for (const slot of slots.slice(0, 3)) expect(slot).toBeCloseTo(0, 6);
    const gaps = slots.slice(3).map((slot, i) => slot - (slots[i + 2] as number));
    for (const gap of gaps) expect(gap).toBeCloseTo(1000 / 30, 6);
    // 9 messages at 30/s with a burst of 3: the ninth may go 6 intervals in.
    expect(slots[8]).toBeCloseTo(6 * (1000 / 30), 6);
  });

  it("averages exactly the rate over a long run", () => {
    const pacer = createPacer({ ratePerSecond: 1000, burst: 50, perChatIntervalMs: 1000 });
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = pacer.reserve(i, T0);
    // 10,000 messages at 1000/s, the first 50 at once: the last one 9,950 ms after the start.
    expect(last - T0).toBeCloseTo(9950, 3);
  });

  it("lets a full burst go again after an idle pause, but no more", () => {
    const pacer = createPacer({ ratePerSecond: 10, burst: 2, perChatIntervalMs: 0 });
    pacer.reserve(1, T0);
    pacer.reserve(2, T0);
    const later = T0 + 10_000;
    expect([pacer.reserve(3, later), pacer.reserve(4, later), pacer.reserve(5, later)]).toEqual([
      later,
      later,
      later + 100,
    ]);
  });

  it("sends at most one message per second to one chat", () => {
    const pacer = createPacer({ ratePerSecond: 1000, burst: 100, perChatIntervalMs: 1000 });
    expect(pacer.reserve(42, T0)).toBe(T0);
    expect(pacer.reserve(7, T0)).toBe(T0);
    expect(pacer.reserve(42, T0)).toBe(T0 + 1000);
    expect(pacer.reserve(42, T0 + 100)).toBe(T0 + 2000);
  });

  it("closes every lane for retry_after after a 429, then restarts without a burst", () => {
    const pacer = createPacer({ ratePerSecond: 30, burst: 5, perChatIntervalMs: 0 });
    pacer.reserve(1, T0);
    pacer.close(3000, T0 + 10);
    expect(pacer.closedUntil).toBe(T0 + 3010);
    const after = [pacer.reserve(2, T0 + 20), pacer.reserve(3, T0 + 20)];
    expect(after[0]).toBeGreaterThanOrEqual(T0 + 3010);
    expect((after[1] as number) - (after[0] as number)).toBeCloseTo(1000 / 30, 6);
    // A shorter retry_after later never reopens the gate early.
    pacer.close(1000, T0 + 100);
    expect(pacer.closedUntil).toBe(T0 + 3010);
  });

  it("has no rate limit at 0, and can change rate on the fly", () => {
    const pacer = createPacer({ ratePerSecond: 0, perChatIntervalMs: 0 });
    expect(Array.from({ length: 1000 }, (_, i) => pacer.reserve(i, T0)).every((slot) => slot === T0)).toBe(
      true,
    );
    pacer.setRate(2);
    expect(pacer.ratePerSecond).toBe(2);
    const a = pacer.reserve(1, T0);
    const b = pacer.reserve(2, T0);
    expect(b - a).toBe(500);
  });
});
