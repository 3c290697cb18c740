import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Integration tests open sockets and SQLite files; a slow shared 2-core machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most test time is waiting on Telegram's pacing (a chat's 3 messages per 3 s, dialogs step by
    // step), not CPU: the suite uses about a third of two cores at three files at a time, so five
    // run side by side; the longest files are split (test/helpers/*-harness.ts) so none holds the end.
    maxWorkers: 8,
  },
});
