import { describe, expect, it } from "vitest";
import { createScheduler } from "../src/cron.js";
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
