import { describe, expect, it } from "vitest";
import { systemClock } from "../src/clock.js";
import { createScheduler } from "../src/cron.js";
import { createFakeClock } from "./helpers/fake-clock.js";
import { collectLogs } from "./helpers/log-collector.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("createScheduler", () => {
  it("logs a failing job instead of crashing, and stop() waits for a run in progress", async () => {
    const logs = collectLogs();
    const failed = deferred();
    const started = deferred();
    const release = deferred();
    let finished = false;
    const scheduler = createScheduler({
      logger: logs.logger,
      timezone: "Europe/Moscow",
      clock: systemClock,
      jobs: [
        {
          name: "failing",
          pattern: "* * * * * *",
          run: () => {
            queueMicrotask(failed.resolve);
            throw new Error("job exploded");
          },
        },
        {
          name: "slow",
          pattern: "* * * * * *",
          run: async () => {
            started.resolve();
            await release.promise;
            finished = true;
          },
        },
      ],
    });
    scheduler.start();
    await Promise.all([failed.promise, started.promise]);

    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        job: "failing",
        msg: "job failed",
        err: expect.objectContaining({ message: "job exploded" }),
      }),
    );
  });
});

describe("createScheduler on fake time", () => {
  it("runs a job at its times in the event's time zone, skips a run while the last is busy, and runs on demand", async () => {
    const logs = collectLogs();
    // 08:59:30 in Moscow (UTC+3).
    const clock = createFakeClock(Date.UTC(2026, 10, 21, 5, 59, 30));
    const runs: number[] = [];
    const releases: Array<() => void> = [];
    const scheduler = createScheduler({
      logger: logs.logger,
      timezone: "Europe/Moscow",
      clock,
      jobs: [
        {
          name: "at-nine",
          pattern: "0 9 * * *",
          run: () => {
            runs.push(clock.now());
          },
        },
        {
          name: "every-minute",
          pattern: "* * * * *",
          run: () =>
            new Promise<void>((resolve) => {
              releases.push(resolve);
            }),
        },
      ],
    });
    scheduler.start();
    await clock.run(29_000);
    expect(runs).toEqual([]);
    await clock.run(1_000);
    expect(runs).toEqual([Date.UTC(2026, 10, 21, 6, 0, 0)]);
    // The minute job started at 09:00 and still runs at 09:01 and 09:02: those runs are skipped.
    expect(releases).toHaveLength(1);
    await clock.run(2 * 60_000);
    expect(releases).toHaveLength(1);
    releases[0]?.();
    await clock.run(60_000);
    expect(releases).toHaveLength(2);
    releases[1]?.();

    await scheduler.runNow("at-nine");
    expect(runs).toHaveLength(2);
    await expect(scheduler.runNow("nothing")).rejects.toThrow(/no cron job named nothing/);
    await scheduler.stop();
    expect(clock.pending()).toBe(0);
  });

  it("runNow joins a run already under way instead of starting the job beside itself", async () => {
    const logs = collectLogs();
    let runs = 0;
    let release: () => void = () => {};
    const scheduler = createScheduler({
      logger: logs.logger,
      timezone: "Europe/Moscow",
      clock: createFakeClock(Date.UTC(2026, 11, 3, 5, 0, 0)),
      jobs: [
        {
          name: "slow",
          pattern: "0 9 * * *",
          run: () => {
            runs++;
            return new Promise<void>((resolve) => {
              release = resolve;
            });
          },
        },
      ],
    });
    const first = scheduler.runNow("slow");
    const second = scheduler.runNow("slow");
    expect(runs).toBe(1);
    release();
    await Promise.all([first, second]);
    // Once that run is over, the next one starts afresh.
    const third = scheduler.runNow("slow");
    expect(runs).toBe(2);
    release();
    await third;
  });
});
