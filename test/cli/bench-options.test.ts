import { describe, expect, it } from "vitest";
import { createEffectiveRateSampler } from "../../src/cli/bench/effective-rate.js";
import { type BenchOptions, parseBenchOptions, USAGE, UsageError } from "../../src/cli/bench/options.js";
import { checkFailures, realLimit, summaryJson, verdict } from "../../src/cli/bench/report.js";
import type { BenchResult, HeraldRunResult } from "../../src/cli/bench/run.js";

const parse = (argv: string[]): BenchOptions => {
  const options = parseBenchOptions(argv);
  if (options === "help") throw new Error("unexpected help");
  return options;
};

describe("bench options", () => {
  it("defaults to the strict model with its latency, no outage and no check", () => {
    expect(parse([])).toMatchObject({
      model: "strict",
      hiddenRate: undefined,
      outageSeconds: undefined,
      check: false,
      rate: 30,
      latency: { minMs: 15, maxMs: 25 },
    });
  });

  it("reads --model, --hidden-rate, --outage and --check", () => {
    expect(parse(["--model", "bucket"])).toMatchObject({ model: "bucket", latency: { minMs: 5, maxMs: 15 } });
    expect(parse(["--model", "jitter"])).toMatchObject({
      model: "jitter",
      latency: { minMs: 10, maxMs: 400, split: "answer" },
    });
    expect(parse(["--model", "jitter", "--latency", "1-2"]).latency).toEqual({
      minMs: 1,
      maxMs: 2,
      split: "answer",
    });
    expect(parse(["--model", "jitter", "--latency-split", "even"]).latency.split).toBe("even");
    expect(parse([]).latency.split).toBe("even");
    expect(() => parse(["--latency-split", "sideways"])).toThrow(/--latency-split/);
    expect(parse(["--model", "hidden"])).toMatchObject({ model: "hidden", hiddenRate: 24 });
    // --hidden-rate implies the hidden model.
    expect(parse(["--hidden-rate", "20"])).toMatchObject({ model: "hidden", hiddenRate: 20 });
    expect(parse(["--model", "hidden", "--hidden-rate", "24", "--rate", "30"]).hiddenRate).toBe(24);
    expect(parse(["--outage", "10"]).outageSeconds).toBe(10);
    expect(parse(["--outage", "2.5"]).outageSeconds).toBe(2.5);
    expect(parse(["--check"]).check).toBe(true);
    expect(
      parse([
        "--recipients",
        "300",
        "--rate",
        "30",
        "--model",
        "strict",
        "--no-baselines",
        "--kill",
        "0",
        "--json",
        "--check",
      ]),
    ).toMatchObject({
      recipients: 300,
      model: "strict",
      baselines: false,
      kills: 0,
      json: true,
      check: true,
    });
  });

  it.each([
    [["--model", "lenient"], /--model "lenient" must be one of strict, bucket, hidden, jitter/],
    [["--model"], /argument missing/],
    [["--model", "strict", "--hidden-rate", "20"], /--hidden-rate goes with --model hidden/],
    [["--hidden-rate", "0"], /--hidden-rate "0" must be a whole number from 1/],
    [["--hidden-rate", "fast"], /--hidden-rate "fast"/],
    [["--hidden-rate", "30", "--rate", "30"], /must be below --rate 30/],
    [["--model", "hidden", "--paid"], /does not go with --paid/],
    [["--outage", "0"], /--outage "0" must be a number from 1 to 600/],
    [["--outage", "-5"], /--outage/],
    [["--outage", "soon"], /--outage "soon"/],
    [["--check", "yes"], /Unexpected argument/],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(UsageError);
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });

  it("documents the new flags", () => {
    for (const flag of ["--model M", "--hidden-rate N", "--outage S", "--check"])
      expect(USAGE).toContain(flag);
  });
});

describe("effective rate", () => {
  it("is the time-weighted mean of the samples while running, and the last one", () => {
    const sampler = createEffectiveRateSampler();
    sampler.sample(0, "running", null);
    sampler.sample(250, "running", 30);
    sampler.sample(1250, "running", 20); // 30 held for 1000 ms
    sampler.sample(1500, "running", 20); // 20 held for 250 ms
    sampler.sample(1750, "paused", 25); // 20 held for 250 ms; paused samples count for nothing
    sampler.sample(5000, "running", 10);
    sampler.sample(5500, "done", null); // 10 held for 500 ms
    const { mean, last } = sampler.result();
    expect(mean).toBeCloseTo((30 * 1000 + 20 * 500 + 10 * 500) / 2000, 9);
    expect(last).toBe(10);
  });

  it("is null when the engine never set it, and the one value when there is only one", () => {
    const never = createEffectiveRateSampler();
    for (let t = 0; t < 2000; t += 250) never.sample(t, "running", null);
    expect(never.result()).toEqual({ mean: null, last: null });
    const once = createEffectiveRateSampler();
    once.sample(0, "running", 28.5);
    once.sample(250, "done", null);
    expect(once.result()).toEqual({ mean: 28.5, last: 28.5 });
  });
});

describe("bench report", () => {
  const herald = (over: Partial<HeraldRunResult> = {}): HeraldRunResult => ({
    delivered: 300,
    lost: 0,
    duplicates: 0,
    otherMessages: 0,
    sampleChecked: 25,
    samplePersonalised: 25,
    recipients: 300,
    seconds: 12.5,
    msgsPerSecond: 24,
    http429: 2,
    violations: { bulk: 2, perChat: 0, group: 0, penalty: 0 },
    requests: 320,
    probe: { count: 30, unanswered: 0, p50Ms: 40, p95Ms: 90, maxMs: 120 },
    mode: "process",
    peakRssMb: 120,
    kills: 0,
    ambiguous: 0,
    ended: "done",
    table: { status: "done", total: 300, sent: 300, failed: 0, blocked: 0, expired: 0 },
    setupSeconds: { users: 0.1, database: 0.2, heraldStart: 1 },
    unflaggedDuplicates: 0,
    benchPeakRssMb: 90,
    effectiveRate: { mean: null, last: null },
    outage: undefined,
    ...over,
  });
  const result = (argv: string[], over: Partial<HeraldRunResult> = {}): BenchResult => ({
    options: parse(argv),
    herald: herald(over),
    baselines: undefined,
  });

  it("reports the model, violations, effective rate and efficiency against the real limit", () => {
    const hidden = result(["--model", "hidden", "--no-baselines"], {
      effectiveRate: { mean: 23.456, last: 24 },
      outage: { seconds: 10, startedAtDelivered: 101, calls: 57 },
    });
    expect(realLimit(hidden.options)).toBe(24);
    expect(summaryJson(hidden)).toMatchObject({
      model: "hidden",
      limit: 30,
      hiddenRate: 24,
      efficiency: 1,
      effectiveRate: 23.46,
      effectiveRateLast: 24,
      http429: 2,
      violations: { bulk: 2, perChat: 0, group: 0, penalty: 0 },
      ambiguous: 0,
      outage: { seconds: 10, startedAtDelivered: 101, calls: 57 },
    });
    const strict = summaryJson(result(["--no-baselines"]));
    expect(strict).toMatchObject({ model: "strict", limit: 30, efficiency: 0.8, effectiveRate: null });
    expect(strict).not.toHaveProperty("outage");
    expect(strict).not.toHaveProperty("hiddenRate");
  });

  it("--check fails on a penalty, a lost message or unexplained duplicates, and says why", () => {
    expect(checkFailures(result([]))).toEqual([]);
    expect(checkFailures(result([], { duplicates: 2, ambiguous: 2 }))).toEqual([]);
    const bad = checkFailures(
      result([], {
        violations: { bulk: 0, perChat: 0, group: 0, penalty: 3 },
        lost: 1,
        duplicates: 4,
        ambiguous: 1,
      }),
    );
    expect(bad).toEqual([
      expect.stringMatching(/^3 penalty request/),
      expect.stringMatching(/^1 recipient\(s\) never got/),
      expect.stringMatching(/^4 duplicate\(s\), more than the 1 ambiguous/),
    ]);
    const penaltyCheck = verdict(
      result([], { violations: { bulk: 0, perChat: 0, group: 0, penalty: 1 } }),
    ).find((c) => c.line.startsWith("penalties"));
    expect(penaltyCheck?.ok).toBe(false);
  });
});
