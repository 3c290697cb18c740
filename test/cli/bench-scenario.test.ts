import { describe, expect, it } from "vitest";
import { parseScenarioBenchOptions, UsageError } from "../../src/cli/bench/options.js";
import type { Cleanups } from "../../src/cli/bench/run.js";
import { formatScenarioReport, runScenarioBench, scenarioSummaryJson } from "../../src/cli/bench/scenario.js";

describe("the scenario bench", () => {
  it("times the ticks and checks what they wrote, on a small database", async () => {
    const cleanups: Cleanups = new Set();
    const lines: string[] = [];
    const result = await runScenarioBench(
      { subscribers: 2000, due: 100, catchUp: 300, seed: 7, analyze: false },
      (line) => lines.push(line),
      cleanups,
    );
    // Its temporary database is gone and nothing is left to clean up.
    expect(cleanups.size).toBe(0);
    expect(lines.some((l) => l.startsWith("populated"))).toBe(true);

    const tick = result.tick;
    expect(tick.due).toBe(100);
    expect(tick.left).toBe(0);
    expect(tick.handled).toBe(100);
    // Timelines are consistent and there are no quiet hours: each due run is sent its step or stopped.
    expect(tick.sent + tick.stopped).toBe(tick.due);
    expect(tick.sent).toBeGreaterThan(0);
    expect(tick.stopped).toBeGreaterThan(0);
    expect(tick.deliveriesCreated).toBe(tick.sent);

    const catchUp = result.catchUp;
    expect(catchUp).toBeDefined();
    if (!catchUp) return;
    expect(catchUp.due).toBe(300);
    expect(catchUp.leftAfterDrain).toBe(0);
    expect(catchUp.handled).toBe(300);
    expect(catchUp.deliveriesCreated).toBe(catchUp.sent);
    // Days of downtime: stale steps are skipped, never all sent late.
    expect(catchUp.skipped).toBeGreaterThan(0);
    expect(catchUp.sent).toBeLessThan(catchUp.due);

    expect(result.duplicateJobKeys).toBe(0);
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);

    const json = scenarioSummaryJson(result);
    expect(json).toMatchObject({
      mode: "scenario",
      subscribers: 2000,
      due: 100,
      ok: true,
      duplicateJobKeys: 0,
      tick: { due: 100, sent: tick.sent, stopped: tick.stopped, deliveriesCreated: tick.sent },
      catchUp: { due: 300, sent: catchUp.sent, skipped: catchUp.skipped, stopped: catchUp.stopped },
    });
    for (const key of ["scenarioTickMs", "idleTickMs", "catchUpTickMs", "populateSeconds", "peakRssMb"]) {
      expect(typeof json[key], key).toBe("number");
    }
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(formatScenarioReport(result)).toContain("Checks:");
  });

  it("is reproducible from the seed", async () => {
    const options = { subscribers: 500, due: 40, catchUp: 60, seed: 3, analyze: false };
    const a = await runScenarioBench(options, () => {});
    const b = await runScenarioBench(options, () => {});
    const counts = (r: typeof a) => ({
      tick: { ...r.tick, drainMs: 0 },
      catchUp: { ...r.catchUp, tickMs: 0, drainMs: 0 },
      rows: r.rows,
    });
    expect(counts(b)).toEqual(counts(a));
  });

  it("refuses sizes that do not fit together", async () => {
    await expect(
      runScenarioBench({ subscribers: 10, due: 20, catchUp: 0, seed: 1, analyze: false }, () => {}),
    ).rejects.toThrow(/due/);
    await expect(
      runScenarioBench({ subscribers: 10, due: 5, catchUp: 6, seed: 1, analyze: false }, () => {}),
    ).rejects.toThrow(/catch-up/);
  });
});

describe("--scenario options", () => {
  it("has the issue's defaults", () => {
    expect(parseScenarioBenchOptions(["--scenario"])).toEqual({
      subscribers: 200_000,
      due: 2000,
      catchUp: 20_000,
      seed: 1,
      analyze: false,
    });
  });

  it("takes the sizes and keeps them consistent", () => {
    expect(
      parseScenarioBenchOptions([
        "--scenario",
        "--subscribers",
        "5000",
        "--due=100",
        "--catch-up",
        "0",
        "--seed",
        "9",
      ]),
    ).toEqual({ subscribers: 5000, due: 100, catchUp: 0, seed: 9, analyze: false });
    expect(parseScenarioBenchOptions(["--scenario", "--subscribers", "50"])).toMatchObject({
      due: 50,
      catchUp: 0,
    });
  });

  it("rejects what it cannot use, saying why", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--scenario", "--subscribers", "0"], /--subscribers "0" must be a whole number from 1/],
      [["--scenario", "--due", "2.5"], /--due "2.5" must be a whole number/],
      [["--scenario", "--subscribers", "100", "--due", "101"], /--due "101" .* from 1 to 100/],
      [["--scenario", "--subscribers", "100", "--due", "60", "--catch-up", "41"], /from 0 to 40/],
      [["--scenario", "--recipients", "10"], /--recipients is not an option of --scenario/],
      [["--scenario", "extra"], /positional/i],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseScenarioBenchOptions(argv)).toThrow(UsageError);
      expect(() => parseScenarioBenchOptions(argv)).toThrow(message);
    }
  });

  it("answers --help", () => {
    expect(parseScenarioBenchOptions(["--scenario", "--help"])).toBe("help");
  });
});
