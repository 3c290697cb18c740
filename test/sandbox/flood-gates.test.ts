import { describe, expect, it } from "vitest";
import {
  type Bucket,
  bucketGate,
  rateWindow,
  sweepGates,
  type TimeLog,
  windowGate,
} from "../../src/sandbox/flood-gates.js";

const T0 = 1_700_000_000_000;

describe("flood gates", () => {
  it("a sliding window admits `capacity` arrivals, then waits until the oldest leaves it", () => {
    const logs = new Map<string, TimeLog>();
    const gate = windowGate(logs, "group", "g", 3, 60_000);
    for (const at of [T0, T0 + 10, T0 + 20]) {
      expect(gate.waitMs(at)).toBe(0);
      gate.consume(at);
    }
    expect(gate.waitMs(T0 + 30)).toBe(60_000 - 30);
    expect(gate.waitMs(T0 + 60_000)).toBe(0);
  });

  it("a rate window is capacity / perSecond seconds long", () => {
    const logs = new Map<string, TimeLog>();
    const gate = rateWindow(logs, "chat", "c", 1, 3);
    for (let i = 0; i < 3; i++) gate.consume(T0);
    expect(gate.waitMs(T0)).toBe(3000);
  });

  it("a bucket starts full and refills at its rate", () => {
    const buckets = new Map<string, Bucket>();
    const gate = bucketGate(buckets, "bulk", "b", 10, 2);
    gate.consume(T0);
    gate.consume(T0);
    expect(gate.waitMs(T0)).toBeCloseTo(100);
    expect(gate.waitMs(T0 + 100)).toBe(0);
  });

  it("sweeping forgets empty windows and idle buckets only", () => {
    const logs = new Map<string, TimeLog>();
    const buckets = new Map<string, Bucket>();
    windowGate(logs, "bulk", "old", 1, 1000).consume(T0);
    windowGate(logs, "bulk", "new", 1, 1000).consume(T0 + 5000);
    bucketGate(buckets, "bulk", "idle", 1, 1).consume(T0);
    bucketGate(buckets, "bulk", "busy", 1, 1).consume(T0 + 5000);
    sweepGates(logs, buckets, T0 + 121_000);
    expect([...logs.keys()]).toEqual([]);
    expect([...buckets.keys()]).toEqual(["busy"]);
  });
});
