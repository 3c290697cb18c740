import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../clock.js";
import type { HeraldDatabase } from "../../db/client.js";
import { createBroadcasts } from "../../delivery/broadcasts.js";
import {
  type ChatRecord,
  createSandbox,
  DEFAULT_SANDBOX_BOT,
  type FloodLimits,
  type Sandbox,
  type SandboxBot,
} from "../../sandbox/index.js";
import { createRandom } from "../../sandbox/random.js";
import { type Audience, BROADCAST_CONTENT, prepareDatabase } from "./audience.js";
import { type BaselineResult, runBaseline } from "./baselines.js";
import { countReceived, type RunFigures } from "./count.js";
import { createEffectiveRateSampler, type EffectiveRate } from "./effective-rate.js";
import { type RunningHerald, startInProcess, startProcess } from "./herald-runner.js";
import type { BenchOptions } from "./options.js";
import { createProbe } from "./probe.js";

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
const READY_TIMEOUT_MS = 60_000;
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
  const botToken = DEFAULT_SANDBOX_BOT.token;
  const botId = Number(botToken.split(":")[0]);

  let benchPeakRss = process.memoryUsage.rss();
  const benchSampler = setInterval(() => {
    benchPeakRss = Math.max(benchPeakRss, process.memoryUsage.rss());
  }, 100);
  cleanups.add(() => clearInterval(benchSampler));

  // Probe users first: their ids are below the recipients', so once the first audience batch is
  // materialised, their /start during the broadcast cannot add them to it.
  const probeUsers = sandbox.createUsers(
    Array.from({ length: options.probeUsers }, (_, i) => ({ first_name: `Probe ${i}`, language_code: "ru" })),
  );
  let t = Date.now();
  const users = sandbox.createUsers(
    Array.from({ length: n }, (_, i) => ({ first_name: `Гость ${i}`, language_code: "ru" })),
    { started: true },
  );
  const audience: Audience = { firstTelegramId: users[0]?.id ?? 0, count: n, seed: options.seed };
  if ((users.at(-1)?.id ?? 0) - audience.firstTelegramId !== n - 1) {
    throw new Error("the sandbox did not give the recipients consecutive ids");
  }
  users.length = 0;
  const usersSeconds = (Date.now() - t) / 1000;

  t = Date.now();
  const databaseFile = join(workDir, "herald.db");
  const database: HeraldDatabase = prepareDatabase(databaseFile, audience);
  const closeDatabase = () => database.close();
  cleanups.add(closeDatabase);
  const databaseSeconds = (Date.now() - t) / 1000;
  log(
    `${n} recipients: sandbox users in ${usersSeconds.toFixed(2)} s, database rows in ${databaseSeconds.toFixed(2)} s`,
  );

  const broadcasts = createBroadcasts({ database, clock: systemClock });
  const broadcast = broadcasts.create({
    title: `Bench: ${n} recipients`,
    content: BROADCAST_CONTENT,
    paid: options.paid,
  });
  const readRow = database.sqlite.prepare(
    "SELECT status, total, sent, failed, blocked, expired, ambiguous, pause_reason, paused_by, effective_rate FROM broadcasts WHERE id = ?",
  );
  const row = () =>
    readRow.get(broadcast.id) as {
      status: string;
      total: number;
      sent: number;
      failed: number;
      blocked: number;
      expired: number;
      ambiguous: number;
      pause_reason: string | null;
      paused_by: string | null;
      effective_rate: number | null;
    };

  // Herald is ready once its update runner waits in a long poll (the engine starts just before).
  let polled = false;
  const onPoll = (event: { botId: number }) => {
    if (event.botId === botId) polled = true;
  };
  sandbox.events.on("poll", onPoll);
  let failure: string | undefined;
  t = Date.now();
  const setup = {
    botToken,
    apiRoot: sandbox.url,
    databaseFile,
    rate: options.rate,
    nodeArgs: options.heraldNodeArgs,
    ...(options.heraldLog !== undefined && { logFile: options.heraldLog }),
  };
  const herald: RunningHerald =
    options.kills === undefined
      ? await startInProcess(setup)
      : startProcess(setup, (why) => {
          failure ??= why;
        });
  const stopHerald = () => herald.stop();
  cleanups.add(stopHerald);
  const failed = () => (failure ? new Error(`${failure}\n${herald.tail()}`) : undefined);
  await waitUntil(() => polled, READY_TIMEOUT_MS, "Herald to take updates", failed);
  sandbox.events.off("poll", onPoll);
  const heraldStartSeconds = (Date.now() - t) / 1000;
  log(
    `Herald ${herald.mode === "process" ? "process" : "in-process"} ready in ${heraldStartSeconds.toFixed(1)} s`,
  );

  const probe = createProbe(sandbox, {
    botId,
    botToken,
    userIds: probeUsers.map((u) => u.id),
    perSecond: options.probesPerSecond,
  });
  const perRecipient = new Uint8Array(n);
  let delivered = 0;
  let lastAt = 0;
  let lastMessageSeenAt = Date.now();
  let finished = false;

  // Kill moments: seeded fractions of the audience, each with a little jitter after it is reached.
  const killRandom = createRandom((options.seed ^ 0x6b11) >>> 0);
  const killPlan = Array.from({ length: options.kills ?? 0 }, () => ({
    at: Math.max(1, Math.floor((0.05 + 0.9 * killRandom()) * n)),
    jitterMs: Math.floor(killRandom() * 400),
  })).sort((a, b) => a.at - b.at);
  let kills = 0;
  let killing = false;
  const maybeKill = () => {
    const next = killPlan[kills];
    if (killing || finished || !next || delivered < next.at) return;
    killing = true;
    setTimeout(() => {
      if (finished) {
        killing = false;
        return;
      }
      const at = delivered;
      herald
        .killAndRestart()
        .then(() => {
          kills++;
          log(`SIGKILL ${kills}/${killPlan.length} at ${at}/${n} delivered; Herald restarted`);
        })
        .catch((error: unknown) => {
          failure ??= `restarting Herald failed: ${String(error)}`;
        })
        .finally(() => {
          killing = false;
          lastMessageSeenAt = Date.now();
        });
    }, next.jitterMs);
  };

  // The outage begins once about a third of the audience has the broadcast.
  let outageStartedAtDelivered: number | null = null;
  let outageEndsAt = 0;
  const maybeStartOutage = () => {
    const seconds = options.outageSeconds;
    if (seconds === undefined || outageStartedAtDelivered !== null || finished) return;
    if (delivered < Math.max(1, Math.ceil(n / 3))) return;
    sandbox.startOutage(seconds);
    outageStartedAtDelivered = delivered;
    outageEndsAt = Date.now() + seconds * 1000;
    log(`outage: every Bot API call fails for ${seconds} s, from ${delivered}/${n} delivered`);
  };

  const onMessage = (rec: ChatRecord) => {
    if (rec.from_id !== botId) return;
    const i = rec.chat_id - audience.firstTelegramId;
    if (i < 0 || i >= n) return;
    if (lastAt === 0) probe.start();
    lastAt = Math.max(lastAt, rec.at);
    lastMessageSeenAt = Date.now();
    const seen = perRecipient[i] ?? 0;
    if (seen === 0) delivered++;
    if (seen < 255) perRecipient[i] = seen + 1;
    maybeKill();
    maybeStartOutage();
  };
  sandbox.events.on("message", onMessage);

  const expectedSeconds = n / (options.rate > 0 ? options.rate : UNLIMITED_RATE_GUESS);
  const capMs =
    (options.maxSeconds ??
      Math.ceil(120 + 3 * expectedSeconds + 30 * (options.kills ?? 0) + 2 * (options.outageSeconds ?? 0))) *
    1000;
  sandbox.resetStats();
  const launchedAt = Date.now();
  broadcasts.launch(broadcast.id);
  log(`broadcast ${broadcast.id} launched to ${n} recipients (expected ~${Math.ceil(expectedSeconds)} s)`);

  let ended = "";
  let lastLog = launchedAt;
  let lastLogDelivered = 0;
  const effectiveRate = createEffectiveRateSampler();
  while (!ended) {
    await sleep(POLL_MS);
    const error = failed();
    if (error) throw error;
    const now = Date.now();
    const current = row();
    effectiveRate.sample(now, current.status, current.effective_rate);
    // Silence during an outage is expected: the stall clock starts when it ends.
    const quietSince = Math.max(lastMessageSeenAt, outageEndsAt);
    // The engine pauses a broadcast itself in an outage and resumes it when Telegram answers again.
    const pausedForOutage = current.status === "paused" && current.paused_by === "outage";
    if (current.status === "done") ended = "done";
    else if ((current.status === "paused" && !pausedForOutage) || current.status === "cancelled") {
      ended = `${current.status}${current.pause_reason ? `: ${current.pause_reason}` : ""}`;
    } else if (!killing && now - quietSince > STALL_MS) ended = "stalled";
    else if (now - launchedAt > capMs) ended = "time cap";
    if (now - lastLog >= PROGRESS_MS) {
      const rate = ((delivered - lastLogDelivered) * 1000) / (now - lastLog);
      log(
        `herald: ${delivered}/${n} delivered after ${Math.round((now - launchedAt) / 1000)} s ` +
          `(${rate.toFixed(1)} msg/s now; table: ${current.status}, sent ${current.sent}, total ${current.total}, ` +
          `effective rate ${current.effective_rate ?? "not set"}; 429s ${sandbox.stats().http429})`,
      );
      lastLog = now;
      lastLogDelivered = delivered;
    }
  }
  finished = true;
  while (killing) await sleep(50);
  log(`Herald's run ended (${ended}) after ${((Date.now() - launchedAt) / 1000).toFixed(1)} s`);

  probe.stopSending();
  await probe.settle(PROBE_SETTLE_MS);
  const end = lastAt || Date.now();
  const probeSummary = probe.summary(launchedAt, end);
  const stats = sandbox.stats();
  sandbox.events.off("message", onMessage);
  probe.dispose();
  await herald.stop();
  cleanups.delete(stopHerald);
  const peakRssMb = herald.peakRssMb();
  clearInterval(benchSampler);
  const final = row();
  // Every duplicate should belong to a row Herald flagged ambiguous (in flight when it was killed).
  const flagOf = database.sqlite.prepare(
    "SELECT ambiguous FROM deliveries WHERE broadcast_id = ? AND telegram_id = ?",
  );
  let unflaggedDuplicates = 0;
  for (let i = 0; i < n; i++) {
    if ((perRecipient[i] ?? 0) < 2) continue;
    const flag = flagOf.get(broadcast.id, audience.firstTelegramId + i) as { ambiguous: number } | undefined;
    if (!flag?.ambiguous) unflaggedDuplicates++;
  }
  database.close();
  cleanups.delete(closeDatabase);

  t = Date.now();
  const received = countReceived(sandbox, audience, botToken);
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
    kills,
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
    setupSeconds: { users: usersSeconds, database: databaseSeconds, heraldStart: heraldStartSeconds },
    benchPeakRssMb: benchPeakRss / (1024 * 1024),
    unflaggedDuplicates,
    effectiveRate: effectiveRate.result(),
    outage:
      options.outageSeconds === undefined
        ? undefined
        : {
            seconds: options.outageSeconds,
            startedAtDelivered: outageStartedAtDelivered,
            calls: stats.outageCalls,
          },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  what: string,
  failed: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const error = failed();
    if (error) throw error;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
