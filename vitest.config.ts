import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Integration tests open sockets and SQLite files; a slow shared 2-core machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // A worker keeps its modules from one file to the next instead of importing Herald afresh for
    // each: that was a third of the suite's CPU. Tests share no module state (factories only; fake
    // timers are restored in afterEach), so nothing carries over.
    isolate: false,
    // Most test time is waiting on Telegram's pacing (a chat's 3 messages per 3 s, dialogs step by
    // step), not CPU: at three files at a time the suite used about a third of two cores, so eight run
    // side by side; the longest files are split (test/helpers/*-harness.ts) so none holds the end.
    maxWorkers: 8,
  },
});
