import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HeraldDatabase } from "../../db/client.js";
import {
  createSandbox,
  DEFAULT_SANDBOX_BOT,
  type FloodLimits,
  type Sandbox,
  type SandboxBot,
} from "../../sandbox/index.js";
import type { Audience } from "./audience.js";
import { type BaselineResult, runBaseline } from "./baselines.js";
import { countReceived, type RunFigures } from "./count.js";
import { createEffectiveRateSampler, type EffectiveRate } from "./effective-rate.js";
import {
  BENCH_BOT_ID,
  BENCH_BOT_TOKEN,
  type BroadcastRow,
  prepareAudience,
  sampleBenchRss,
  sleep,
  startHerald,
} from "./herald-setup.js";
import type { BenchOptions } from "./options.js";
import { createProbe } from "./probe.js";
import { createWatch, type Watch } from "./watch.js";

const NAIVE_BOT: SandboxBot = {
  token: "200000001:BENCH_naive_loop_baseline_bot",
  username: "bench_naive_loop_bot",
  first_name: "Naive loop",
};
const THROTTLER_BOT: SandboxBot = {
  token: "200000002:BENCH_throttler_baseline_bot",
  username: "bench_throttler_bot",
  first_name: "Throttler",
};

const POLL_MS = 250;
const PROGRESS_MS = 10_000;
/** No new broadcast message for this long (and no kill under way) ends Herald's run as stalled. */
const STALL_MS = 90_000;
const PROBE_SETTLE_MS = 15_000;
/** A rate for estimating how long an unlimited run may take. */
const UNLIMITED_RATE_GUESS = 200;

export interface HeraldRunResult extends RunFigures {
  mode: "in-process" | "process";
  peakRssMb: number;
  kills: number;
  ambiguous: number;
  /** How the run ended: "done", "paused: …", "stalled", "time cap". */
  ended: string;
  /** Herald's own counts in the broadcasts table. */
  table: { status: string; total: number; sent: number; failed: number; blocked: number; expired: number };
  setupSeconds: { users: number; database: number; heraldStart: number };
  /** Recipients who got the broadcast more than once although Herald did not flag their row ambiguous. */
  unflaggedDuplicates: number;
  /** Peak RSS of the bench's own process (the sandbox, the bench, and Herald when in-process), MB. */
  benchPeakRssMb: number;
  /** The rate Herald's engine said it paced at (broadcasts.effective_rate), sampled while running. */
  effectiveRate: EffectiveRate;
  /** With --outage: how long, and how many recipients had the broadcast when it began (null: it never did). */
  outage: { seconds: number; startedAtDelivered: number | null; calls: number } | undefined;
}

export interface BenchResult {
  options: BenchOptions;
  herald: HeraldRunResult;
  baselines: { naiveLoop: BaselineResult; throttler: BaselineResult } | undefined;
}

export type Cleanups = Set<() => Promise<void> | void>;

export async function runBench(
  options: BenchOptions,
  log: (line: string) => void,
  cleanups: Cleanups,
): Promise<BenchResult> {
  const workDir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const limits: Partial<FloodLimits> = options.paid
    ? { paidPerSecond: options.rate }
    : { bulkPerSecond: options.rate };
  const sandbox = createSandbox({
    bots: [DEFAULT_SANDBOX_BOT, NAIVE_BOT, THROTTLER_BOT],
    limits,
    latency: options.latency,
    seed: options.seed,
    model: options.model,
    ...(options.hiddenRate !== undefined && { hiddenRate: options.hiddenRate }),
  });
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  const closeSandbox = () => sandbox.close();
  cleanups.add(removeWorkDir);
  cleanups.add(closeSandbox);
  try {
    await sandbox.listen();
    log(
      `sandbox at ${sandbox.url}: ${options.model} model, ${options.rate === 0 ? "no" : `${options.rate} msg/s`} ` +
        `${options.paid ? "paid" : "bulk"} limit${options.hiddenRate === undefined ? "" : ` (really ${options.hiddenRate} msg/s)`}, ` +
        `latency ${options.latency.minMs}-${options.latency.maxMs} ms${options.model === "jitter" ? " with 1-2 s spikes" : ""}, ` +
        `split ${options.latency.split}`,
    );
    const herald = await runHerald(options, sandbox, workDir, log, cleanups);
    let baselines: BenchResult["baselines"];
    if (options.baselines) {
      const common = {
        sandbox,
        count: Math.min(options.recipients, options.baselineRecipients),
        paid: options.paid,
        seed: options.seed,
        capSeconds: options.baselineCapSeconds,
        probeUsers: options.probeUsers,
        probesPerSecond: options.probesPerSecond,
        log,
      };
      log(`baseline naiveLoop: ${common.count} recipients, a sequential loop with auto-retry`);
      const naiveLoop = await runBaseline("naiveLoop", { ...common, bot: NAIVE_BOT });
      log(`baseline throttler: ${common.count} recipients, Promise.all through the throttler`);
      const throttler = await runBaseline("throttler", { ...common, bot: THROTTLER_BOT });
      baselines = { naiveLoop, throttler };
    }
    return { options, herald, baselines };
  } finally {
    await closeSandbox();
    cleanups.delete(closeSandbox);
    removeWorkDir();
    cleanups.delete(removeWorkDir);
  }
}

async function runHerald(
  options: BenchOptions,
  sandbox: Sandbox,
  workDir: string,
  log: (line: string) => void,
  cleanups: Cleanups,
): Promise<HeraldRunResult> {
  const n = options.recipients;
  const benchRss = sampleBenchRss(cleanups);
  const prepared = prepareAudience(options, sandbox, workDir, log, cleanups);
  const { audience, database, broadcasts, row } = prepared;
  const failure: { why?: string } = {};
  const started = await startHerald(options, sandbox, prepared.databaseFile, log, cleanups, failure);
  const { herald } = started;

  const probe = createProbe(sandbox, {
    botId: BENCH_BOT_ID,
    botToken: BENCH_BOT_TOKEN,
    userIds: prepared.probeUserIds,
    perSecond: options.probesPerSecond,
  });
  const watch = createWatch({ options, sandbox, audience, botId: BENCH_BOT_ID, herald, probe, log, failure });
  sandbox.events.on("message", watch.onMessage);

  const expectedSeconds = n / (options.rate > 0 ? options.rate : UNLIMITED_RATE_GUESS);
  const capMs =
    (options.maxSeconds ??
      Math.ceil(120 + 3 * expectedSeconds + 30 * (options.kills ?? 0) + 2 * (options.outageSeconds ?? 0))) *
    1000;
  sandbox.resetStats();
  const launchedAt = Date.now();
  broadcasts.launch(prepared.broadcastId);
  log(
    `broadcast ${prepared.broadcastId} launched to ${n} recipients (expected ~${Math.ceil(expectedSeconds)} s)`,
  );

  const effectiveRate = createEffectiveRateSampler();
  const ended = await waitForEnd({
    sandbox,
    watch,
    row,
    failed: started.failed,
    effectiveRate,
    launchedAt,
    capMs,
    n,
    log,
  });
  watch.finish();
  while (watch.killing()) await sleep(50);
  log(`Herald's run ended (${ended}) after ${((Date.now() - launchedAt) / 1000).toFixed(1)} s`);

  probe.stopSending();
  await probe.settle(PROBE_SETTLE_MS);
  const end = watch.lastAt() || Date.now();
  const probeSummary = probe.summary(launchedAt, end);
  const stats = sandbox.stats();
  sandbox.events.off("message", watch.onMessage);
  probe.dispose();
  await herald.stop();
  cleanups.delete(started.stopHerald);
  const peakRssMb = herald.peakRssMb();
  benchRss.stop();
  const final = row();
  const unflaggedDuplicates = countUnflaggedDuplicates(
    database,
    prepared.broadcastId,
    audience,
    watch.perRecipient,
  );
  database.close();
  cleanups.delete(prepared.closeDatabase);

  const t = Date.now();
  const received = countReceived(sandbox, audience, BENCH_BOT_TOKEN);
  log(`counted what ${n} recipients got in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const seconds = Math.max(0.001, (end - launchedAt) / 1000);
  return {
    ...received,
    mode: herald.mode,
    recipients: n,
    seconds,
    msgsPerSecond: received.delivered / seconds,
    http429: stats.http429,
    violations: stats.violations,
    requests: stats.requests,
    probe: probeSummary,
    peakRssMb,
    kills: watch.kills(),
    ambiguous: final.ambiguous,
    ended,
    table: {
      status: final.status,
      total: final.total,
      sent: final.sent,
      failed: final.failed,
      blocked: final.blocked,
      expired: final.expired,
    },
    setupSeconds: {
      users: prepared.usersSeconds,
      database: prepared.databaseSeconds,
      heraldStart: started.heraldStartSeconds,
    },
    benchPeakRssMb: benchRss.peak() / (1024 * 1024),
    unflaggedDuplicates,
    effectiveRate: effectiveRate.result(),
    outage:
      options.outageSeconds === undefined
        ? undefined
        : {
            seconds: options.outageSeconds,
            startedAtDelivered: watch.outageStartedAtDelivered(),
            calls: stats.outageCalls,
          },
  };
}

/** Polls Herald's broadcast row until the run ends: done, paused or cancelled, stalled, or the time cap. */
async function waitForEnd(d: {
  sandbox: Sandbox;
  watch: Watch;
  row: () => BroadcastRow;
  failed: () => Error | undefined;
  effectiveRate: ReturnType<typeof createEffectiveRateSampler>;
  launchedAt: number;
  capMs: number;
  n: number;
  log: (line: string) => void;
}): Promise<string> {
  const { watch, launchedAt } = d;
  let ended = "";
  let lastLog = launchedAt;
  let lastLogDelivered = 0;
  while (!ended) {
    await sleep(POLL_MS);
    const error = d.failed();
    if (error) throw error;
    const now = Date.now();
    const current = d.row();
    d.effectiveRate.sample(now, current.status, current.effective_rate);
    // Silence during an outage is expected: the stall clock starts when it ends.
    const quietSince = watch.quietSince();
    // The engine pauses a broadcast itself in an outage and resumes it when Telegram answers again.
    const pausedForOutage = current.status === "paused" && current.paused_by === "outage";
    if (current.status === "done") ended = "done";
    else if ((current.status === "paused" && !pausedForOutage) || current.status === "cancelled") {
      ended = `${current.status}${current.pause_reason ? `: ${current.pause_reason}` : ""}`;
    } else if (!watch.killing() && now - quietSince > STALL_MS) ended = "stalled";
    else if (now - launchedAt > d.capMs) ended = "time cap";
    if (now - lastLog >= PROGRESS_MS) {
      const delivered = watch.delivered();
      const rate = ((delivered - lastLogDelivered) * 1000) / (now - lastLog);
      d.log(
        `herald: ${delivered}/${d.n} delivered after ${Math.round((now - launchedAt) / 1000)} s ` +
          `(${rate.toFixed(1)} msg/s now; table: ${current.status}, sent ${current.sent}, total ${current.total}, ` +
          `effective rate ${current.effective_rate ?? "not set"}; 429s ${d.sandbox.stats().http429})`,
      );
      lastLog = now;
      lastLogDelivered = delivered;
    }
  }
  return ended;
}

/** Every duplicate should belong to a row Herald flagged ambiguous (in flight when it was killed). */
function countUnflaggedDuplicates(
  database: HeraldDatabase,
  broadcastId: number,
  audience: Audience,
  perRecipient: Uint8Array,
): number {
  const flagOf = database.sqlite.prepare(
    "SELECT ambiguous FROM deliveries WHERE broadcast_id = ? AND telegram_id = ?",
  );
  let unflaggedDuplicates = 0;
  for (let i = 0; i < audience.count; i++) {
    if ((perRecipient[i] ?? 0) < 2) continue;
    const flag = flagOf.get(broadcastId, audience.firstTelegramId + i) as { ambiguous: number } | undefined;
    if (!flag?.ambiguous) unflaggedDuplicates++;
  }
  return unflaggedDuplicates;
}
