import { Cron } from "croner";
import type { Cancel, TimedClock } from "./clock.js";
import type { Logger } from "./logger.js";

export interface CronJob {
  name: string;
  /** A cron pattern in the event's time zone, e.g. "0 * * * *". */
  pattern: string;
  /** A thin call into the domain, which reads what is due from the database. */
  run(): void | Promise<void>;
}

export interface Scheduler {
  start(): void;
  /** Stops every timer and waits for runs in progress. */
  stop(): Promise<void>;
  /**
   * Runs a job now, as its timer would (logged, never throwing), whether or not the scheduler is
   * started: tests trigger jobs this way rather than waiting for a minute boundary.
   */
  runNow(name: string): Promise<void>;
}

/** A timer never waits longer than this at once, so a far run (and a jump of the clock) is re-read. */
const MAX_WAIT_MS = 60 * 60 * 1000;

/**
 * Jobs on cron patterns in the event's time zone. croner only reads the patterns (when is the next
 * run); the waiting is the clock's, so tests drive the jobs on fake time. A job still running when
 * its next time comes skips that run.
 */
export function createScheduler(deps: {
  logger: Logger;
  timezone: string;
  jobs: readonly CronJob[];
  clock: TimedClock;
}): Scheduler {
  const { clock } = deps;
  const logger = deps.logger.child({ face: "cron" });
  const running = new Set<Promise<void>>();
  const busy = new Set<string>();
  /** The run of each job under way (runNow joins it rather than starting a second). */
  const runOf = new Map<string, Promise<void>>();
  let timers: Cancel[] = [];
  let started = false;

  const runJob = (job: CronJob) => {
    const run = (async () => {
      const at = clock.now();
      busy.add(job.name);
      try {
        await job.run();
        logger.debug({ job: job.name, ms: clock.now() - at }, "job done");
      } catch (error) {
        // A failing job must never become an unhandled rejection that ends the process.
        logger.error({ job: job.name, err: error }, "job failed");
      } finally {
        busy.delete(job.name);
      }
    })();
    running.add(run);
    runOf.set(job.name, run);
    void run.finally(() => {
      running.delete(run);
      if (runOf.get(job.name) === run) runOf.delete(job.name);
    });
    return run;
  };

  function schedule(job: CronJob, pattern: Cron) {
    const next = pattern.nextRun(new Date(clock.now()))?.getTime();
    if (next === undefined || !started) return;
    const cancel = clock.after(Math.min(Math.max(0, next - clock.now()), MAX_WAIT_MS), () => {
      timers = timers.filter((timer) => timer !== cancel);
      if (!started) return;
      if (clock.now() >= next && !busy.has(job.name)) void runJob(job);
      schedule(job, pattern);
    });
    timers.push(cancel);
  }

  return {
    start() {
      if (started) return;
      started = true;
      for (const job of deps.jobs) schedule(job, new Cron(job.pattern, { timezone: deps.timezone }));
    },
    async stop() {
      started = false;
      for (const cancel of timers.splice(0)) cancel();
      await Promise.all(running);
    },
    runNow(name) {
      const job = deps.jobs.find((candidate) => candidate.name === name);
      if (!job) return Promise.reject(new Error(`no cron job named ${name}`));
      // protect: a job already running is not started a second time beside itself.
      return runOf.get(name) ?? runJob(job);
    },
  };
}
