import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const WORKERS = 8;
/**
 * Files that count Telegram's refusals, which a stalled event loop inflates (sandbox and Herald share
 * a process): they start after the first wave of workers, when the imports' CPU burst is over.
 */
const CALM_START = ["test/flood-safety.test.ts"];

class CalmStartSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const calm = sorted.filter((file) => CALM_START.some((path) => file.moduleId.endsWith(path)));
    const rest = sorted.filter((file) => !calm.includes(file));
    rest.splice(WORKERS, 0, ...calm);
    return rest;
  }
}

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
    maxWorkers: WORKERS,
    // Longest first (vitest's order), but the load-sensitive files just after the first wave.
    sequence: { sequencer: CalmStartSequencer },
  },
});
