import { describe, expect, it } from "vitest";
import { estimatePlan, FREE_RATE, PAID_MAX_RATE, paidTenths } from "../../src/delivery/plan.js";
import { paidCostTenths } from "../../src/delivery/stars.js";

const BASE = { count: 0, paid: false, start: 0, deadline: null, freeRate: 30, paidRate: 1000 };

describe("paidTenths", () => {
  it("charges 0.1 Star for each message above the free 30 per second", () => {
    expect(paidTenths(30, 1)).toBe(0);
    expect(paidTenths(31, 1)).toBe(1);
    expect(paidTenths(1000, 1)).toBe(970);
    expect(paidTenths(10, 1)).toBe(0);
  });

  it("gives the engine's per-second count and the plan card's estimate the same total", () => {
    // 3 seconds at 1000/s, counted message by message as the engine does.
    const paid = { second: -1, count: 0 };
    let tenths = 0;
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 1000; i++) tenths += paidCostTenths(paid, second * 1000 + i / 1000);
    }
    expect(tenths).toBe(paidTenths(3000, 3));
    expect(estimatePlan({ ...BASE, count: 3000, paid: true, deadline: 3000 }).deadline?.stars).toBe(
      Math.ceil(tenths / 10),
    );
  });
});

describe("estimatePlan", () => {
  it("goes at the configured rate without a pace, and at Telegram's rates when none is configured", () => {
    expect(estimatePlan({ ...BASE, count: 600 })).toMatchObject({ rate: 30, etaSeconds: 20, deadline: null });
    expect(estimatePlan({ ...BASE, count: 600, freeRate: 0, paidRate: 0 })).toMatchObject({
      freeRate: FREE_RATE,
      rate: FREE_RATE,
    });
    expect(estimatePlan({ ...BASE, count: 600, paid: true, paidRate: 0 }).rate).toBe(PAID_MAX_RATE);
  });

  it("puts the queue ahead first, at the free rate in use", () => {
    const pace = { freeRate: 24, paidRate: 960, queuedAhead: 1200 };
    expect(estimatePlan({ ...BASE, count: 9600, paid: true, pace })).toMatchObject({
      rate: 960,
      queuedAhead: 1200,
      etaSeconds: 60,
    });
  });

  it("with a deadline: the needed rate, whether it is over the free rate, the Stars and whether it can be met", () => {
    const plan = { ...BASE, count: 180_000, deadline: 180_000 };
    expect(estimatePlan(plan).deadline).toEqual({
      neededRate: 1000,
      overFree: true,
      paidRate: 1000,
      stars: 17_460,
      canMeet: false,
    });
    expect(estimatePlan({ ...plan, paid: true }).deadline?.canMeet).toBe(true);
    expect(estimatePlan({ ...plan, paid: true, deadline: 60_000 }).deadline?.canMeet).toBe(false);
    expect(estimatePlan({ ...plan, count: 3000, deadline: 100_000 }).deadline).toMatchObject({
      neededRate: 30,
      overFree: false,
      canMeet: true,
    });
  });
});
