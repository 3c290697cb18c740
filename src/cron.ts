import { Cron } from "croner";
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
  /** Stops every timer and waits for runs in progress (croner's own stop() does not wait). */
  stop(): Promise<void>;
}

export function createScheduler(deps: {
  logger: Logger;
  timezone: string;
  jobs: readonly CronJob[];
}): Scheduler {
  const logger = deps.logger.child({ face: "cron" });
  const running = new Set<Promise<void>>();
  let crons: Cron[] = [];

  const runJob = (job: CronJob) => {
    const run = (async () => {
      const started = Date.now();
      try {
        await job.run();
        logger.debug({ job: job.name, ms: Date.now() - started }, "job done");
      } catch (error) {
        // A failing job must never become an unhandled rejection that ends the process.
        logger.error({ job: job.name, err: error }, "job failed");
      }
    })();
    running.add(run);
    void run.finally(() => running.delete(run));
    return run;
  };

  return {
    start() {
      crons = deps.jobs.map(
        (job) =>
          new Cron(job.pattern, { name: job.name, timezone: deps.timezone, protect: true }, () =>
            runJob(job),
          ),
      );
    },
    async stop() {
      for (const cron of crons) cron.stop();
      crons = [];
      await Promise.all(running);
    },
  };
}
