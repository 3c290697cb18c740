import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Starts Herald as its own process, as an operator does (`npm start` runs the same entry point),
 * with only the given variables: nothing leaks in from the caller's environment or a .env file.
 * The benchmark and the end-to-end tests both run Herald this way.
 */
export function spawnHeraldProcess(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  /** Run the compiled build (`npm run build`), as `npm start` does, instead of the sources through tsx. */
  options: { compiled?: boolean } = {},
): ChildProcess {
  const entry = options.compiled
    ? [join(PROJECT_ROOT, "dist", "main.js")]
    : ["--import", "tsx", "src/main.ts"];
  return spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ENV_FILE: "/nonexistent/.env",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Compiles Herald into dist/ (`npm run build`), so a process runs what `npm start` runs. */
export function buildHerald(): void {
  execFileSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
}
