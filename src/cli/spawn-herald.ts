import { type ChildProcess, spawn } from "node:child_process";
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
): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", "src/main.ts"], {
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
