import { describe, expect, it } from "vitest";
import { systemClock, timedClock } from "../src/clock.js";
import { createFakeClock } from "./helpers/fake-clock.js";

describe("the fake clock", () => {
  it("fires timers in order of their time as it advances, each at its own time", () => {
    const clock = createFakeClock(0);
    const fired: Array<[string, number]> = [];
    clock.after(300, () => fired.push(["b", clock.now()]));
    clock.after(100, () => fired.push(["a", clock.now()]));
    const stop = clock.every(250, () => fired.push(["tick", clock.now()]));
    const cancelled = clock.after(200, () => fired.push(["never", clock.now()]));
    cancelled();
    clock.advance(600);
    expect(fired).toEqual([
      ["a", 100],
      ["tick", 250],
      ["b", 300],
      ["tick", 500],
    ]);
    expect(clock.now()).toBe(600);
    stop();
    expect(clock.pending()).toBe(0);
  });

  it("lets the work a timer starts settle before the next fires, and sleeps on fake time", async () => {
    const clock = createFakeClock(0);
    const seen: number[] = [];
    clock.every(100, () => {
      void Promise.resolve().then(() => seen.push(clock.now()));
    });
    let woke = 0;
    void clock.sleep(250).then(() => {
      woke = clock.now();
    });
    await clock.run(300);
    expect(seen).toEqual([100, 200, 300]);
    expect(woke).toBe(250);
  });

  it("set() jumps without firing anything; then what fell due fires once, as real timers do", () => {
    const clock = createFakeClock(0);
    let fired = 0;
    let ticks = 0;
    clock.after(10, () => {
      fired = clock.now();
    });
    clock.every(100, () => {
      ticks++;
    });
    clock.set(10_000);
    expect(fired).toBe(0);
    clock.advance(0);
    expect(fired).toBe(10_000);
    expect(ticks).toBe(1);
    clock.advance(100);
    expect(ticks).toBe(2);
  });
});

describe("timedClock", () => {
  it("keeps a clock's own timers, and gives a bare { now } the real ones", async () => {
    const fake = createFakeClock(0);
    expect(timedClock(fake)).toBe(fake);
    const shifted = timedClock({ now: () => 42 });
    expect(shifted.now()).toBe(42);
    const started = systemClock.now();
    await shifted.sleep(20);
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(15);
  });
});
