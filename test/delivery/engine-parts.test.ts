import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import type { Broadcast } from "../../src/delivery/broadcasts.js";
import type { Row } from "../../src/delivery/engine-state.js";
import { FREE_RATE } from "../../src/delivery/plan.js";
import { progressFigures, recordSent, type SentHistory } from "../../src/delivery/progress-figures.js";
import { backoffMs, judgeFailure, RETRY_HORIZON_MS } from "../../src/delivery/retry-policy.js";
import { paidCostTenths } from "../../src/delivery/stars.js";

const row: Row = {
  id: 1,
  job_key: "broadcast:1",
  telegram_id: 42,
  lane: "bulk",
  payload: null,
  broadcast_id: 1,
  attempts: 0,
  ambiguous: 0,
  created_at: 0,
};
const refused = (code: number, description: string, retryAfter?: number) =>
  new GrammyError(
    description,
    {
      ok: false,
      error_code: code,
      description,
      ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
    },
    "sendMessage",
    {},
  );

describe("retry policy", () => {
  it("blocks on 403 without counting a failure, fails other refusals for good", () => {
    expect(judgeFailure(row, refused(403, "Forbidden: bot was blocked by the user"), 0)).toMatchObject({
      result: { kind: "blocked" },
      failure: null,
      final: false,
    });
    expect(judgeFailure(row, refused(400, "Bad Request: chat not found"), 0)).toMatchObject({
      result: { kind: "failed", error: "Bad Request: chat not found" },
      failure: { transient: false },
      final: true,
    });
  });

  it("retries a 429 after retry_after without counting it, and 5xx or no answer with backoff, flagged ambiguous", () => {
    expect(judgeFailure(row, refused(429, "Too Many Requests", 3), 1000)).toMatchObject({
      result: { kind: "retry", notBefore: 4000, ambiguous: false },
      failure: null,
    });
    expect(judgeFailure(row, refused(502, "Bad Gateway"), 1000, () => 0.5)).toMatchObject({
      result: { kind: "retry", notBefore: 2000, ambiguous: true },
      failure: { transient: true, description: "Bad Gateway" },
    });
    const lost = new HttpError("Network request failed", new Error("socket hang up"));
    expect(judgeFailure(row, lost, 0, () => 0.5).result).toMatchObject({ kind: "retry", ambiguous: true });
  });

  it("gives up at the horizon", () => {
    const verdict = judgeFailure(row, refused(502, "Bad Gateway"), RETRY_HORIZON_MS - 100, () => 0.5);
    expect(verdict).toMatchObject({ result: { kind: "failed" }, final: true, failure: { transient: true } });
    expect(backoffMs(20, 1)).toBe(45_000);
  });
});

describe("Stars", () => {
  it("charges a tenth for each paid message above the free rate in one wall-clock second", () => {
    const paid = { second: 0, count: 0 };
    let tenths = 0;
    for (let i = 0; i < FREE_RATE + 5; i++) tenths += paidCostTenths(paid, 5_000 + i);
    expect(tenths).toBe(5);
    expect(paidCostTenths(paid, 6_000)).toBe(0);
  });
});

describe("progress figures", () => {
  const stored = {
    id: 7,
    title: "Doors open",
    total: 100,
    sent: 40,
    failed: 5,
    blocked: 3,
    expired: 2,
    ambiguous: 1,
    starsCost: 25,
  } as Broadcast;

  it("measures the rate over the last seconds and estimates the rest from it", () => {
    const history: SentHistory = [];
    recordSent(history, 0, 0);
    recordSent(history, 4000, 40);
    const figures = progressFigures({
      row: stored,
      history,
      now: 4000,
      status: "running",
      gate: "send",
      effectiveRate: 30,
    });
    expect(figures).toMatchObject({
      broadcastId: 7,
      remaining: 50,
      rate: 10,
      etaSeconds: 5,
      waiting: null,
      starsCost: 2.5,
    });
    recordSent(history, 10_000, 40);
    expect(history).toHaveLength(1);
  });

  it("uses the paced rate before anything was measured, and says why it waits", () => {
    const figures = progressFigures({
      row: stored,
      history: [],
      now: 0,
      status: "running",
      gate: "quiet",
      effectiveRate: 25,
    });
    expect(figures).toMatchObject({ rate: 0, etaSeconds: 2, waiting: "quiet_hours" });
  });
});
