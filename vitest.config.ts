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
    // step), not CPU: three files at a time on two cores take the suite from ~325 s to ~115 s.
    maxWorkers: 3,
  },
});
