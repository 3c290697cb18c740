import { ConfigError, loadConfig, readEnv, secretsOf } from "./config.js";
import { createHerald, StartupError } from "./herald.js";
import { createLogger } from "./logger.js";
import { readVersion } from "./version.js";

/**
 * Every part's stop is bounded (Herald stops within 10 s in any state); one that still has not finished
 * by then is stuck on something: exit non-zero rather than hang.
 */
const SHUTDOWN_TIMEOUT_MS = 9500;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(readEnv(process.env, process.env.ENV_FILE ?? ".env"));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    pretty: process.stdout.isTTY === true,
  });
  const version = readVersion();
  let shuttingDown = false;

  const shutdown = async (reason: string, exitCode: number) => {
    if (shuttingDown) {
      logger.warn({ reason }, "second stop request: exiting now");
      process.exit(exitCode || 1);
    }
    shuttingDown = true;
    logger.info({ reason }, "stopping");
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, "stop took too long: exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    try {
      await herald.stop();
    } catch (error) {
      logger.error({ err: error }, "stop failed");
      exitCode = 1;
    }
    process.exit(exitCode);
  };

  const herald = createHerald({
    config,
    logger,
    version,
    onFatal: (error) => {
      process.stderr.write(`Herald stopped: ${error.message}\n`);
      void shutdown("fatal", 1);
    },
  });

  // A second signal while stopping exits at once (see shutdown).
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    void shutdown("uncaughtException", 1);
  });

  try {
    const started = await herald.start();
    logger.info({ version, bot: started.bot.username, http: started.httpUrl }, "Herald is running");
  } catch (error) {
    const message =
      error instanceof StartupError ? error.message : `Herald could not start: ${String(error)}`;
    logger.fatal({ err: error }, "start failed");
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

void main();
