import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Clock } from "../../clock.js";
import { type HeraldDatabase, openDatabase } from "../../db/client.js";
import { createBroadcasts } from "../../delivery/broadcasts.js";
import { createLogger } from "../../logger.js";
import { createScenarios, type RunReport, type Scenarios } from "../../scenarios/scenarios.js";
import type { ScenarioBenchOptions } from "./options.js";
import type { Cleanups } from "./run.js";
import {
  assignRoles,
  CATCH_UP_AT,
  MINUTE,
  makeOverdue,
  NOW,
  type PopulatedRows,
  populate,
  stepTimings,
  yieldToLoop,
} from "./scenario-population.js";

/** Idle ticks: this many, a second apart, ending ten minutes before NOW (before anything is due). */
const IDLE_TICKS = 5;
const IDLE_FROM = NOW - 10 * MINUTE;
/** Further ticks at one moment (while a tick leaves runs for the next) stop after this long. */
const DRAIN_CAP_MS = 60_000;

/** What happened to the runs one tick (or a series of ticks at one moment) had due. */
export interface TickOutcome {
  /** Active runs due at the tick's moment, counted before it. */
  due: number;
  /** Runs the tick(s) wrote to (stopped, advanced, deferred or finished). */
  handled: number;
  sent: number;
  stopped: number;
  skipped: number;
  deferred: number;
  finished: number;
  /** Left for the next tick by the first tick's time budget. */
  left: number;
  /** Still due after the further ticks (the catch-up's drain; else the same as left). */
  leftAfterDrain: number;
  /** Rows the tick(s) added to the outbox. */
  deliveriesCreated: number;
  /** Ticks run at that moment: the first, then more while runs were left (up to DRAIN_CAP_MS). */
  ticks: number;
  /** All those ticks together. */
  drainMs: number;
}

export interface ScenarioBenchResult {
  options: ScenarioBenchOptions;
  populateSeconds: number;
  rows: PopulatedRows;
  databaseMb: number;
  scenarioTickMs: number;
  tick: TickOutcome;
  idleTickMs: number;
  idleTicksMs: number[];
  /** Absent with --catch-up 0. */
  catchUp: (TickOutcome & { tickMs: number }) | undefined;
  /** Job keys in the outbox more than once (must be 0). */
  duplicateJobKeys: number;
  peakRssMb: number;
  checks: Array<{ ok: boolean; line: string }>;
  /** Why a part did not run. */
  notes: string[];
}

function checkOptions({ subscribers, due, catchUp }: ScenarioBenchOptions): void {
  if (!Number.isInteger(subscribers) || subscribers < 1) {
    throw new RangeError(`subscribers must be a whole number of at least 1, not ${subscribers}`);
  }
  if (!Number.isInteger(due) || due < 1 || due > subscribers) {
    throw new RangeError(`due must be a whole number from 1 to ${subscribers}, not ${due}`);
  }
  if (!Number.isInteger(catchUp) || catchUp < 0 || catchUp > subscribers - due) {
    throw new RangeError(`catch-up must be a whole number from 0 to ${subscribers - due}, not ${catchUp}`);
  }
}

/** Scenarios as Herald runs them, without quiet hours (the bench measures the tick, not the night). */
function benchScenarios(database: HeraldDatabase, clock: Clock): Scenarios {
  return createScenarios({
    database,
    clock,
    logger: createLogger({ level: "silent", secrets: [] }),
    quietHours: null,
    timezone: "Europe/Moscow",
    dailyCap: 3,
    formUrl: null,
    eventStartsAt: null,
    liveUrl: null,
    formLinkFor: () => null,
    broadcasts: createBroadcasts({ database, clock }),
  });
}

/** A tick measurer: `measure(at, drain)` sets the clock, ticks, and counts what the tick(s) wrote. */
function createTickMeter(
  sqlite: HeraldDatabase["sqlite"],
  scenarios: Scenarios,
  setTime: (at: number) => void,
): (at: number, drain: boolean) => { outcome: TickOutcome; tickMs: number } {
  const countDue = sqlite.prepare(
    "SELECT count(*) AS n FROM scenario_runs WHERE status = 'active' AND next_due_at <= ?",
  );
  const countDeliveries = sqlite.prepare("SELECT count(*) AS n FROM deliveries");
  const countHandled = sqlite.prepare("SELECT count(*) AS n FROM scenario_runs WHERE updated_at = ?");
  const count = (statement: typeof countDue, ...args: unknown[]) =>
    (statement.get(...args) as { n: number }).n;

  /** Ticks at `at` (again, while the time budget leaves runs) and tells what the ticks wrote. */
  return (at: number, drain: boolean) => {
    setTime(at);
    const due = count(countDue, at);
    const before = count(countDeliveries);
    const begin = performance.now();
    const first = scenarios.runDue(at);
    const tickMs = performance.now() - begin;
    const total = { ...first };
    let ticks = 1;
    let last = first;
    while (drain && last.left > 0 && performance.now() - begin < DRAIN_CAP_MS) {
      last = scenarios.runDue(at);
      ticks++;
      for (const key of Object.keys(total) as Array<keyof RunReport>) total[key] += last[key];
    }
    const drainMs = performance.now() - begin;
    const outcome: TickOutcome = {
      due,
      handled: count(countHandled, at),
      sent: total.sent,
      stopped: total.stopped,
      skipped: total.skipped,
      deferred: total.deferred,
      finished: total.finished,
      left: first.left,
      leftAfterDrain: last.left,
      deliveriesCreated: count(countDeliveries) - before,
      ticks,
      drainMs,
    };
    return { outcome, tickMs };
  };
}

/**
 * The scenario benchmark: a fresh database with `subscribers` people, each with a bound registration
 * and an active run in "finish_registration" (40% with their ticket sent, 30% completed, so the stop
 * checks find real rows). `due` runs fall due at NOW; the rest later. Times the tick at NOW, idle ticks,
 * and a catch-up tick after `catchUp` runs were made overdue by days, and checks what the ticks wrote.
 */
export async function runScenarioBench(
  options: ScenarioBenchOptions,
  log: (line: string) => void,
  cleanups: Cleanups = new Set(),
): Promise<ScenarioBenchResult> {
  checkOptions(options);
  const workDir = mkdtempSync(join(tmpdir(), "herald-bench-scenario-"));
  const file = join(workDir, "herald.db");
  let database: HeraldDatabase | undefined;
  const close = () => {
    database?.close();
    database = undefined;
    rmSync(workDir, { recursive: true, force: true });
  };
  cleanups.add(close);
  try {
    let t = NOW;
    const clock: Clock = { now: () => t };
    database = openDatabase(file);
    const { sqlite } = database;
    const scenarios = benchScenarios(database, clock);
    scenarios.install();
    // Everyone below was bound before NOW: the enrolment sweep must find nobody new.
    sqlite.prepare("UPDATE scenarios SET enrolled_until = ?").run(NOW);
    const steps = stepTimings();

    const started = performance.now();
    const roles = assignRoles(options);
    const rows = await populate(database, options, roles, steps, log);
    const populateSeconds = (performance.now() - started) / 1000;
    if (options.analyze) sqlite.exec("ANALYZE");
    const databaseMb = fileMb(file);
    log(
      `populated in ${populateSeconds.toFixed(1)} s: ${rows.subscribers} subscribers, ${rows.registrations} registrations, ` +
        `${rows.runs} runs, ${rows.deliveries} deliveries (${databaseMb.toFixed(0)} MB)`,
    );
    await yieldToLoop();

    const measure = createTickMeter(sqlite, scenarios, (at) => {
      t = at;
    });

    const idleTicksMs: number[] = [];
    for (let i = 0; i < IDLE_TICKS; i++) {
      const idle = measure(IDLE_FROM + i * 1000, false);
      if (idle.outcome.due > 0) throw new Error(`the idle tick had ${idle.outcome.due} runs due`);
      idleTicksMs.push(idle.tickMs);
    }
    // The idle ticks moved the enrolment mark back; NOW's tick must not sweep the ten minutes since.
    sqlite.prepare("UPDATE scenarios SET enrolled_until = ?").run(NOW);

    const main = measure(NOW, true);
    log(
      `due tick: ${main.outcome.due} due, ${main.outcome.sent} sent, ${main.outcome.stopped} stopped in ` +
        `${main.tickMs.toFixed(1)} ms` +
        (main.outcome.ticks > 1
          ? ` (${main.outcome.left} left for the next tick; ${main.outcome.ticks} ticks in ${main.outcome.drainMs.toFixed(0)} ms)`
          : ""),
    );

    const notes: string[] = [];
    let catchUp: ScenarioBenchResult["catchUp"];
    if (options.catchUp > 0 && main.outcome.leftAfterDrain > 0) {
      notes.push(
        `catch-up skipped: ${main.outcome.leftAfterDrain} runs of the due tick were still due after ` +
          `${(DRAIN_CAP_MS / 1000).toFixed(0)} s of further ticks`,
      );
      log(notes.at(-1) as string);
    } else if (options.catchUp > 0) {
      makeOverdue(database, roles, options.seed);
      await yieldToLoop();
      const run = measure(CATCH_UP_AT, true);
      catchUp = { ...run.outcome, tickMs: run.tickMs };
      log(
        `catch-up tick: ${run.outcome.due} overdue, ${run.outcome.sent} sent, ${run.outcome.skipped} steps skipped, ` +
          `${run.outcome.stopped} stopped in ${run.tickMs.toFixed(1)} ms` +
          (run.outcome.ticks > 1
            ? ` (${run.outcome.ticks} ticks, ${run.outcome.drainMs.toFixed(0)} ms to drain)`
            : ""),
      );
    }

    const { n: duplicateJobKeys } = sqlite
      .prepare(
        "SELECT count(*) AS n FROM (SELECT job_key FROM deliveries GROUP BY job_key HAVING count(*) > 1)",
      )
      .get() as { n: number };
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const result: ScenarioBenchResult = {
      options,
      populateSeconds,
      rows,
      databaseMb,
      scenarioTickMs: main.tickMs,
      tick: main.outcome,
      idleTickMs: median(idleTicksMs),
      idleTicksMs,
      catchUp,
      duplicateJobKeys,
      peakRssMb,
      checks: [],
      notes,
    };
    result.checks = checksOf(result);
    return result;
  } finally {
    close();
    cleanups.delete(close);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function fileMb(file: string): number {
  try {
    return statSync(file).size / (1024 * 1024);
  } catch {
    return 0;
  }
}

import { checksOf } from "./scenario-report.js";

export { formatScenarioReport, scenarioSummaryJson } from "./scenario-report.js";
