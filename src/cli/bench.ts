/**
 * `npm run bench -- --recipients N --rate R [--model M] [--outage S] [--paid] [--kill K] [--no-baselines]
 * [--json] [--check] …`: the delivery benchmark. The sandbox enforces the limit R under a flood model
 * (strict by default; hidden enforces a lower rate than Herald is told); Herald's engine sends one personalised
 * broadcast to N subscribers while simulated users keep sending /start; then (unless skipped) the same
 * broadcast goes out as a naive auto-retry loop and through the throttler plugin. What recipients got
 * is counted by the sandbox. Prints a report and a verdict against the targets; `--json` ends the output
 * with one JSON line. Exits 0 when the bench ran (targets met or not), 1 when it could not run or, with
 * `--check`, when a request was sent into a known retry_after, a message was lost, or duplicates exceed
 * the ambiguous deliveries.
 *
 * `npm run bench -- --scenario [--subscribers N] [--due D] [--catch-up C] [--seed S] [--analyze]`: the scenario
 * benchmark instead. A fresh SQLite file holds N subscribers with active reminder runs; it times the
 * runDue tick that handles D due runs, idle ticks, and a catch-up tick after downtime, checks what
 * they wrote, and always ends with one JSON line ("scenarioTickMs").
 */

import {
  isScenarioMode,
  parseBenchOptions,
  parseScenarioBenchOptions,
  SCENARIO_USAGE,
  USAGE,
  UsageError,
} from "./bench/options.js";
import { checkFailures, formatReport, summaryJson } from "./bench/report.js";
import { type Cleanups, runBench } from "./bench/run.js";
import { formatScenarioReport, runScenarioBench, scenarioSummaryJson } from "./bench/scenario.js";

const say = (line = "") => process.stdout.write(`${line}\n`);
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const cleanups: Cleanups = new Set();

async function cleanUp(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    try {
      await fn();
    } catch {
      // Best effort: the rest still runs.
    }
  }
  cleanups.clear();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** Options, or the exit code after printing the usage (asked for: 0; a mistake: 1, with what is wrong). */
function parseOrExplain<T>(parse: () => T | "help", usage: string): T | number {
  try {
    const options = parse();
    if (options !== "help") return options;
    say(usage);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage}`);
    return 1;
  }
}

async function scenarioMain(argv: string[]): Promise<number> {
  const options = parseOrExplain(() => parseScenarioBenchOptions(argv), SCENARIO_USAGE);
  if (typeof options === "number") return options;
  const result = await runScenarioBench(options, log, cleanups);
  say(formatScenarioReport(result));
  say(JSON.stringify(scenarioSummaryJson(result)));
  return 0;
}

async function main(): Promise<number> {
  if (isScenarioMode(process.argv.slice(2))) return scenarioMain(process.argv.slice(2));
  const options = parseOrExplain(() => parseBenchOptions(process.argv.slice(2)), USAGE);
  if (typeof options === "number") return options;
  const result = await runBench(options, log, cleanups);
  say(formatReport(result));
  if (options.json) say(JSON.stringify(summaryJson(result)));
  if (!options.check) return 0;
  const failures = checkFailures(result);
  for (const why of failures) process.stderr.write(`bench --check failed: ${why}\n`);
  if (failures.length === 0)
    process.stderr.write("bench --check passed: no penalty, nothing lost, no unexplained duplicate\n");
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(
      `The bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await cleanUp();
    process.exit(1);
  },
);
