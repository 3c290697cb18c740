import { parseArgs } from "node:util";
import {
  FLOOD_MODELS,
  type FloodModelName,
  isFloodModelName,
  LATENCY_SPLITS,
  type LatencySplit,
  MODEL_LATENCY,
} from "../../sandbox/index.js";

export interface BenchOptions {
  recipients: number;
  /** The sandbox's limit in messages per second, and Herald's configured rate; 0 = no limit. */
  rate: number;
  /** The sandbox's flood model. */
  model: FloodModelName;
  /** With the hidden model: the sandbox's real bulk limit, below `rate` (what Herald is told). */
  hiddenRate: number | undefined;
  /** An outage of this many seconds starts when about a third of the recipients have the broadcast. */
  outageSeconds: number | undefined;
  /** Exit 1 on a penalty, a lost message, or more duplicates than ambiguous deliveries. */
  check: boolean;
  /** The limit applies to paid broadcasts (allow_paid_broadcast) and the broadcast is paid. */
  paid: boolean;
  /** undefined: Herald runs in-process; a number: Herald runs as a process, SIGKILLed that many times. */
  kills: number | undefined;
  baselines: boolean;
  baselineRecipients: number;
  /** Each baseline stops sending after this long. */
  baselineCapSeconds: number;
  json: boolean;
  /** The sandbox's latency; `split` says where its spread lies (see the sandbox's Latency). */
  latency: { minMs: number; maxMs: number; split: LatencySplit };
  seed: number;
  /** Simulated users sending /start during each run, and how many /start per second in total. */
  probeUsers: number;
  probesPerSecond: number;
  /** Herald's run gives up after this long; default: three times the expected duration plus two minutes. */
  maxSeconds: number | undefined;
  /** Extra node options for Herald's process (with --kill), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  heraldNodeArgs: string[];
  /** Appends Herald's process output (stdout and stderr) to this file. */
  heraldLog: string | undefined;
}

/** The bench's Bot API latency per model unless --latency is given (jitter also has its 1-2 s spikes). */
export const BENCH_LATENCY: Readonly<Record<FloodModelName, string>> = {
  strict: "15-25",
  hidden: "15-25",
  bucket: "5-15",
  jitter: "10-400",
};
export const DEFAULT_HIDDEN_RATE = 24;

export const USAGE = `Usage: npm run bench -- --recipients N --rate R [options]

  --recipients N            subscribers to broadcast to (default 2000)
  --rate R                  the sandbox's flood limit and Herald's rate in messages/s, 0 = none (default 30)
  --model M                 the sandbox's flood model (default strict):
                              strict  sliding windows over arrival times, no grace; ignoring a
                                      retry_after doubles it
                              bucket  token buckets (the sandbox's older model)
                              hidden  strict, but the real bulk limit is --hidden-rate, below R
                              jitter  strict, latency 10-400 ms per request with 2% spikes of 1-2 s,
                                      answers reordered (see --latency-split)
  --hidden-rate N           the hidden model's real bulk limit (implies --model hidden; default 24)
  --outage S                every Bot API call fails for S seconds (5xx, hang or lost answer), starting
                            when about a third of the recipients have the broadcast
  --check                   exit 1 if any request was sent into a retry_after already received
                            (a penalty), a message was lost, or duplicates exceed ambiguous deliveries
  --paid                    a paid broadcast: R limits the paid bucket instead of the free bulk one
  --kill K                  run Herald as a process and SIGKILL it K times during the broadcast
                            (--kill 0: a separate process that is never killed)
  --no-baselines            skip the naive-loop and throttler baselines
  --baseline-recipients M   recipients of each baseline: min(N, M) (default 3000)
  --baseline-cap S          a baseline stops sending after S seconds (default 600)
  --latency MIN-MAX         the sandbox's Bot API latency in ms (default 15-25 with strict and hidden,
                            5-15 with bucket, 10-400 with jitter)
  --latency-split W         where the latency's spread lies: "answer" (requests reach Telegram within
                            20 ms of the least latency, answers come back reordered; jitter's
                            default) or "even" (half on the way there, so arrivals bunch as much
                            as answers; the other models' default)
  --seed S                  seeds latency, outage failures, kill moments and ticket links (default 1)
  --probe-rate P            /start per second from simulated users during a run (default 3)
  --max-seconds S           give Herald's run up after S seconds
  --herald-node-args="…"    node options for Herald's process (with --kill): ="--cpu-prof --cpu-prof-dir=D"
  --herald-log FILE         append the output of Herald's process (with --kill) to FILE
  --json                    end the output with one JSON line

Scenario mode: npm run bench -- --scenario [--subscribers N] [--due D] [--catch-up C] [--seed S] [--analyze]
  times the reminder scenarios' tick instead (details: --scenario --help)
`;

export interface ScenarioBenchOptions {
  /** Subscribers, each with a bound registration and an active run in "finish_registration". */
  subscribers: number;
  /** Runs due at the measured tick. */
  due: number;
  /** Runs made overdue by days (downtime) for the catch-up tick; 0 skips it. */
  catchUp: number;
  seed: number;
  /** Runs ANALYZE after filling the database, so the query planner has statistics. */
  analyze: boolean;
}

export const SCENARIO_USAGE = `Usage: npm run bench -- --scenario [options]

  Times scenarios' runDue tick on a fresh SQLite file filled with N subscribers, each with a bound
  registration and an active "finish_registration" run. Ends with one JSON line ("scenarioTickMs").

  --subscribers N   subscribers (and runs) in the database (default 200000)
  --due D           runs due at the measured tick (default 2000, at most N)
  --catch-up C      runs overdue by 1-4 days for the catch-up tick, 0 = skip it (default 20000,
                    at most N - D)
  --seed S          seeds the generated data (default 1)
  --analyze         run ANALYZE after filling the database (Herald itself never does; its hourly
                    PRAGMA optimize may not gather statistics)
  --json            accepted for symmetry: the JSON line is always printed
`;

const SCENARIO_FLAGS = new Set([
  "scenario",
  "subscribers",
  "due",
  "catch-up",
  "seed",
  "analyze",
  "json",
  "help",
]);

/** `--scenario` anywhere in the arguments selects the scenario benchmark. */
export function isScenarioMode(argv: readonly string[]): boolean {
  return argv.includes("--scenario");
}

export function parseScenarioBenchOptions(argv: readonly string[]): ScenarioBenchOptions | "help" {
  for (const arg of argv) {
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name !== undefined && !SCENARIO_FLAGS.has(name) && name !== "") {
      throw new UsageError(`--${name} is not an option of --scenario`);
    }
  }
  const flags = readFlags(argv, {
    scenario: { type: "boolean" },
    subscribers: { type: "string" },
    due: { type: "string" },
    "catch-up": { type: "string" },
    seed: { type: "string" },
    analyze: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (flags === "help") return "help";
  const { text, values } = flags;
  const subscribers = integer("--subscribers", text("subscribers") ?? "200000", 1, 2_000_000);
  const due = integer("--due", text("due") ?? String(Math.min(2000, subscribers)), 1, subscribers);
  const catchUpRaw = text("catch-up");
  const catchUp = integer(
    "--catch-up",
    catchUpRaw ?? String(Math.min(20_000, subscribers - due)),
    0,
    subscribers - due,
  );
  return {
    subscribers,
    due,
    catchUp,
    seed: integer("--seed", text("seed") ?? "1", 0, 2 ** 31 - 1),
    analyze: values.analyze === true,
  };
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Strict flags (an unknown one is a usage error), with `--help` answered before any checking. */
function readFlags(
  argv: readonly string[],
  options: FlagSpec,
): { values: Record<string, string | boolean | undefined>; text(name: string): string | undefined } | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return "help";
  return {
    values,
    text(name) {
      const v = values[name];
      return typeof v === "string" ? v : undefined;
    },
  };
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | "help" {
  const flags = readFlags(argv, {
    recipients: { type: "string" },
    rate: { type: "string" },
    model: { type: "string" },
    "hidden-rate": { type: "string" },
    outage: { type: "string" },
    check: { type: "boolean" },
    paid: { type: "boolean" },
    kill: { type: "string" },
    "no-baselines": { type: "boolean" },
    "baseline-recipients": { type: "string" },
    "baseline-cap": { type: "string" },
    latency: { type: "string" },
    "latency-split": { type: "string" },
    seed: { type: "string" },
    "probe-rate": { type: "string" },
    "max-seconds": { type: "string" },
    "herald-node-args": { type: "string" },
    "herald-log": { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (flags === "help") return "help";
  const { text, values } = flags;
  const kill = text("kill");
  const maxSeconds = text("max-seconds");
  const rate = integer("--rate", text("rate") ?? "30", 0, 1000);
  const paid = values.paid === true;
  const hiddenRaw = text("hidden-rate");
  const model = text("model") ?? (hiddenRaw === undefined ? "strict" : "hidden");
  if (!isFloodModelName(model)) {
    throw new UsageError(`--model "${model}" must be one of ${FLOOD_MODELS.join(", ")}`);
  }
  if (hiddenRaw !== undefined && model !== "hidden") {
    throw new UsageError(`--hidden-rate goes with --model hidden, not ${model}`);
  }
  let hiddenRate: number | undefined;
  if (model === "hidden") {
    hiddenRate = integer("--hidden-rate", hiddenRaw ?? String(DEFAULT_HIDDEN_RATE), 1, 1000);
    if (paid) throw new UsageError("--model hidden hides the free bulk limit; it does not go with --paid");
    if (rate > 0 && hiddenRate >= rate) {
      throw new UsageError(
        `--hidden-rate ${hiddenRate} must be below --rate ${rate}: it is the limit Herald is not told`,
      );
    }
  }
  const outage = text("outage");
  return {
    recipients: integer("--recipients", text("recipients") ?? "2000", 1, 1_000_000),
    rate,
    model,
    hiddenRate,
    outageSeconds: outage === undefined ? undefined : number("--outage", outage, 1, 600),
    check: values.check === true,
    paid,
    kills: kill === undefined ? undefined : integer("--kill", kill, 0, 100),
    baselines: values["no-baselines"] !== true,
    baselineRecipients: integer("--baseline-recipients", text("baseline-recipients") ?? "3000", 1, 100_000),
    baselineCapSeconds: integer("--baseline-cap", text("baseline-cap") ?? "600", 1, 3600),
    json: values.json === true,
    latency: {
      ...parseLatency(text("latency") ?? BENCH_LATENCY[model]),
      split: parseSplit(text("latency-split") ?? MODEL_LATENCY[model].split ?? "even"),
    },
    seed: integer("--seed", text("seed") ?? "1", 0, 2 ** 31 - 1),
    probeUsers: 6,
    probesPerSecond: number("--probe-rate", text("probe-rate") ?? "3", 0.1, 50),
    maxSeconds: maxSeconds === undefined ? undefined : integer("--max-seconds", maxSeconds, 1, 86_400),
    heraldNodeArgs: (text("herald-node-args") ?? "").split(/\s+/).filter(Boolean),
    heraldLog: text("herald-log"),
  };
}

function integer(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new UsageError(`${name} "${raw}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function number(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n < min || n > max) {
    throw new UsageError(`${name} "${raw}" must be a number from ${min} to ${max}`);
  }
  return n;
}

function parseSplit(raw: string): LatencySplit {
  const split = LATENCY_SPLITS.find((s) => s === raw);
  if (!split) throw new UsageError(`--latency-split "${raw}" must be one of ${LATENCY_SPLITS.join(", ")}`);
  return split;
}

function parseLatency(raw: string): { minMs: number; maxMs: number } {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(raw);
  const minMs = Number(match?.[1]);
  const maxMs = match?.[2] === undefined ? minMs : Number(match[2]);
  if (!match || maxMs < minMs) {
    throw new UsageError(`--latency "${raw}" must be MIN-MAX in milliseconds, for example 5-15`);
  }
  return { minMs, maxMs };
}
