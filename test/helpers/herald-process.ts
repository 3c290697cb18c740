import type { ChildProcess } from "node:child_process";
import { spawnHeraldProcess } from "../../src/cli/spawn-herald.js";
import { waitFor } from "./wait-for.js";

export interface HeraldProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines from stdout. */
  logs(): Array<Record<string, unknown>>;
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Herald as its own process (spawnHeraldProcess), with its output collected for the test. */
export function spawnHerald(env: Record<string, string>): HeraldProcess {
  const child = spawnHeraldProcess(env);
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
