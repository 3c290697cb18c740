import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface HeraldProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines from stdout. */
  logs(): Array<Record<string, unknown>>;
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts Herald as an operator would (`npm start` runs the same entry point), with only the given
 * variables: nothing leaks in from the developer's environment or .env.
 */
export function spawnHerald(env: Record<string, string>): HeraldProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ENV_FILE: "/nonexistent/.env",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const logs = () =>
    out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    waitForLog: (msg, timeoutMs = 30_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) {
            throw new Error(`Herald exited (${child.exitCode}) before logging "${msg}": ${err}${out}`);
          }
          return logs().find((record) => record.msg === msg);
        },
        { timeoutMs, what: `the log line "${msg}"` },
      ),
  };
}
