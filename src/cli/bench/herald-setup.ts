import { join } from "node:path";
import { systemClock } from "../../clock.js";
import type { HeraldDatabase } from "../../db/client.js";
import { createBroadcasts } from "../../delivery/broadcasts.js";
import { DEFAULT_SANDBOX_BOT, type Sandbox } from "../../sandbox/index.js";
import { type Audience, BROADCAST_CONTENT, prepareDatabase } from "./audience.js";
import { type RunningHerald, startInProcess, startProcess } from "./herald-runner.js";
import type { BenchOptions } from "./options.js";
import type { Cleanups } from "./run.js";

const READY_TIMEOUT_MS = 60_000;

export const BENCH_BOT_TOKEN = DEFAULT_SANDBOX_BOT.token;
export const BENCH_BOT_ID = Number(BENCH_BOT_TOKEN.split(":")[0]);

export interface BroadcastRow {
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
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil(
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

/** The bench process's own peak RSS, sampled every 100 ms until stopped. */
export function sampleBenchRss(cleanups: Cleanups): { peak(): number; stop(): void } {
  let benchPeakRss = process.memoryUsage.rss();
  const benchSampler = setInterval(() => {
    benchPeakRss = Math.max(benchPeakRss, process.memoryUsage.rss());
  }, 100);
  cleanups.add(() => clearInterval(benchSampler));
  return { peak: () => benchPeakRss, stop: () => clearInterval(benchSampler) };
}

/** Sandbox users (probes, then the recipients with consecutive ids), Herald's database and the broadcast. */
export function prepareAudience(
  options: BenchOptions,
  sandbox: Sandbox,
  workDir: string,
  log: (line: string) => void,
  cleanups: Cleanups,
) {
  const n = options.recipients;
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
  const row = () => readRow.get(broadcast.id) as BroadcastRow;
  return {
    probeUserIds: probeUsers.map((u) => u.id),
    audience,
    database,
    closeDatabase,
    databaseFile,
    broadcasts,
    broadcastId: broadcast.id,
    row,
    usersSeconds,
    databaseSeconds,
  };
}

/** Starts Herald (in-process, or as a process when it will be killed) and waits until it takes updates. */
export async function startHerald(
  options: BenchOptions,
  sandbox: Sandbox,
  databaseFile: string,
  log: (line: string) => void,
  cleanups: Cleanups,
  failure: { why?: string },
) {
  // Herald is ready once its update runner waits in a long poll (the engine starts just before).
  let polled = false;
  const onPoll = (event: { botId: number }) => {
    if (event.botId === BENCH_BOT_ID) polled = true;
  };
  sandbox.events.on("poll", onPoll);
  const t = Date.now();
  const setup = {
    botToken: BENCH_BOT_TOKEN,
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
          failure.why ??= why;
        });
  const stopHerald = () => herald.stop();
  cleanups.add(stopHerald);
  const failed = () => (failure.why ? new Error(`${failure.why}\n${herald.tail()}`) : undefined);
  await waitUntil(() => polled, READY_TIMEOUT_MS, "Herald to take updates", failed);
  sandbox.events.off("poll", onPoll);
  const heraldStartSeconds = (Date.now() - t) / 1000;
  log(
    `Herald ${herald.mode === "process" ? "process" : "in-process"} ready in ${heraldStartSeconds.toFixed(1)} s`,
  );
  return { herald, stopHerald, failed, heraldStartSeconds };
}
