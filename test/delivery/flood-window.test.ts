import { describe, expect, it } from "vitest";
import { AdaptiveRate, JitterMargin } from "../../src/delivery/flood-rate.js";
import { UnansweredCalls } from "../../src/delivery/flood-window.js";

describe("calls without an answer", () => {
  it("a call that never answers holds one place, and the calls after it are not kept for it", () => {
    const calls = new UnansweredCalls();
    const hung = calls.add(0);
    for (let t = 1; t <= 120_000; t++) {
      const entry = calls.add(t);
      calls.answer(entry, t + 20, 1000);
      if (t % 100 === 0 && t > 1040) expect(calls.heldBefore(t - 1040)).toBe(1);
    }
    expect(calls.tracked).toBeLessThan(5000);
    expect(calls.answer(hung, 121_000, 1000)).toBe(true);
    expect(calls.heldBefore(120_000 - 1040)).toBe(0);
  });
});

describe("one 429 episode, one answer", () => {
  it("a 429 of a call sent before a rate cut neither cuts again nor widens the margin", () => {
    const rate = new AdaptiveRate(30);
    const margin = new JitterMargin(40, 400, 40, 60_000);
    // Round trips spread 10-400 ms: the margin could widen.
    for (let i = 0; i < 200; i++) margin.noteRoundTrip(10 + ((i * 37) % 391));
    expect(rate.lower(1000, 1100)).toBe(true);
    margin.noteEpisode(1100);
    // Sent before the cut (answered later): part of the same episode.
    expect(rate.episodeOf(1050)).toBe(true);
    expect(rate.episodeOf(1200)).toBe(false);
    // Calm counts from the cut, not from the last widening or narrowing.
    expect(margin.widen(2000)).toBe(true);
    expect(margin.narrow(2000 + 59_000)).toBe(false);
    margin.noteEpisode(30_000);
    expect(margin.narrow(62_000)).toBe(false);
    expect(margin.narrow(90_000)).toBe(true);
    expect(margin.current).toBe(40);
  });
});
