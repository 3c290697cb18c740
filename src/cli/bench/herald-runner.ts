import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import pino from "pino";
import { loadConfig, secretsOf } from "../../config.js";
import { createHerald } from "../../herald.js";
import { createLogger } from "../../logger.js";
import { readVersion } from "../../version.js";
import { buildHerald, spawnHeraldProcess } from "../spawn-herald.js";

const RSS_SAMPLE_MS = 100;
const STOP_TIMEOUT_MS = 35_000;
const TAIL_LINES = 20;

export interface HeraldSetup {
  botToken: string;
  apiRoot: string;
  databaseFile: string;
  /** The sandbox's limit; 0 (no limit) runs Herald with no rate limit either, at the engine's own ceiling. */
  rate: number;
  /** Extra node options for Herald's process. */
  nodeArgs?: readonly string[];
  /** Appends the process's output to this file. */
  logFile?: string;
}

export interface RunningHerald {
  readonly mode: "in-process" | "process";
  /** Peak resident set size of the process running the engine, MB. */
  peakRssMb(): number;
  /** SIGKILL, then start again (process mode only). */
  killAndRestart(): Promise<void>;
  stop(): Promise<void>;
  /** The process's last output lines, for a failure message. */
  tail(): string;
}

/** Herald's environment, as an operator would set it. */
export function heraldEnv(setup: HeraldSetup): Record<string, string> {
  const rate = String(setup.rate);
  return {
    BOT_TOKEN: setup.botToken,
    BOT_API_ROOT: setup.apiRoot,
    DATABASE_FILE: setup.databaseFile,
    WEBHOOK_SECRET: randomBytes(32).toString("hex"),
    DEEPLINK_SECRET: randomBytes(32).toString("hex"),
    HTTP_PORT: "0",
    QUIET_HOURS: "off",
    BROADCAST_RATE: rate,
    PAID_BROADCAST_RATE: rate,
    LOG_LEVEL: "warn",
  };
}

/** Herald inside this process, as the demo runs it; RSS is this process's. */
export async function startInProcess(setup: HeraldSetup): Promise<RunningHerald> {
  const config = loadConfig(heraldEnv(setup));
  const logger = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: pino.destination(2),
  });
  const herald = createHerald({ config, logger, version: readVersion() });
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  try {
    await herald.start();
  } catch (error) {
    clearInterval(sampler);
    throw error;
  }
  return {
    mode: "in-process",
    peakRssMb: () => peak / (1024 * 1024),
    killAndRestart: () => Promise.reject(new Error("an in-process Herald cannot be killed")),
    async stop() {
      await herald.stop();
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
    },
    tail: () => "",
  };
}

/**
 * Herald as a separate process, built and started as `npm start` does (`node dist/main.js`), so it
 * can be SIGKILLed and started again. RSS is sampled from /proc/<pid>/status (VmRSS).
 * `onUnexpectedExit` is called if the process exits when nobody stopped or killed it.
 */
export function startProcess(setup: HeraldSetup, onUnexpectedExit: (why: string) => void): RunningHerald {
  const env = heraldEnv(setup);
  buildHerald();
  const lines: string[] = [];
  let peakKb = 0;
  let child: ChildProcess;
  let exited: Promise<void>;
  let expectingExit = false;

  const remember = (chunk: string): void => {
    if (setup.logFile) appendFileSync(setup.logFile, chunk);
    for (const line of chunk.split("\n")) if (line.trim() !== "") lines.push(line);
    if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
  };

  const spawnOne = (): void => {
    expectingExit = false;
    const c = spawnHeraldProcess(env, setup.nodeArgs ?? [], { compiled: true });
    c.stdout?.setEncoding("utf8").on("data", remember);
    c.stderr?.setEncoding("utf8").on("data", remember);
    exited = new Promise((resolve) => {
      c.once("exit", (code, signal) => {
        if (!expectingExit) onUnexpectedExit(`Herald exited on its own (code ${code}, signal ${signal})`);
        resolve();
      });
    });
    child = c;
  };

  const sample = (): void => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      const match = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // The process is gone between the check and the read.
    }
  };

  spawnOne();
  const sampler = setInterval(sample, RSS_SAMPLE_MS);

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    expectingExit = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill("SIGKILL");
      await exited;
    }
  };

  return {
    mode: "process",
    peakRssMb: () => peakKb / 1024,
    async killAndRestart() {
      sample();
      await end("SIGKILL");
      spawnOne();
    },
    async stop() {
      sample();
      clearInterval(sampler);
      await end("SIGTERM");
    },
    tail: () => lines.join("\n"),
  };
}
