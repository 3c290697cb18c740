import { type RunnerHandle, run } from "@grammyjs/runner";
import type { FastifyInstance } from "fastify";
import { type Bot, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { createBot, describeError } from "./bot/bot.js";
import { publishCommands } from "./bot/commands.js";
import type { HeraldContext } from "./bot/context.js";
import type { ProgressWatcher } from "./bot/progress.js";
import { type Clock, systemClock, type TimedClock, timedClock } from "./clock.js";
import type { Config } from "./config.js";
import { createScheduler, type Scheduler } from "./cron.js";
import { type HeraldDatabase, openDatabase } from "./db/client.js";
import type { DeliveryEngine } from "./delivery/engine.js";
import type { FloodGate } from "./delivery/flood-gate.js";
import { scenarioTick, schedulerJobs, wireParts } from "./herald-wiring.js";
import { buildServer } from "./http/server.js";
import type { Logger } from "./logger.js";

export interface HeraldDeps {
  config: Config;
  logger: Logger;
  version: string;
  /** Time for everything, and timers for the engine, the progress watcher and cron; a `{ now }` clock waits on real timers. */
  clock?: Clock | TimedClock;
  /** Called when a part stops on its own (the update runner crashed, e.g. on a 409 conflict). */
  onFatal?(error: Error): void;
}

export interface StartedHerald {
  httpUrl: string;
  bot: UserFromGetMe;
}

export interface Herald {
  start(): Promise<StartedHerald>;
  /** Stops taking updates, lets running handlers finish, then closes HTTP, cron and the database. */
  stop(): Promise<void>;
  readonly database: HeraldDatabase | undefined;
  /** Cron while Herald runs: tests run its jobs with `runNow` instead of waiting for their minute. */
  readonly scheduler: Scheduler | undefined;
}

/** Why Herald could not start, in words an operator can act on. */
export class StartupError extends Error {
  override readonly name = "StartupError";
  constructor(
    readonly code: "bot_token_rejected" | "bot_api_unreachable" | "bot_conflict",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Updates Herald asks Telegram for. */
export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

const DRAIN_POLL_MS = 20;
/**
 * Stopping must finish within 10 s in any state (a stalled broadcast, Telegram not answering): running
 * handlers get this long; whatever they still wait for in the flood gate is given up after it.
 */
const DRAIN_LIMIT_MS = 3000;

export function createHerald(deps: HeraldDeps): Herald {
  const { config, logger } = deps;
  const clock = timedClock(deps.clock ?? systemClock);
  let database: HeraldDatabase | undefined;
  let bot: Bot<HeraldContext> | undefined;
  let runner: RunnerHandle | undefined;
  let server: FastifyInstance | undefined;
  let scheduler: Scheduler | undefined;
  let engine: DeliveryEngine | undefined;
  let watcher: ProgressWatcher | undefined;
  let gate: FloodGate | undefined;
  /** Set when calls still waiting are given up at stop: dialogs cut off then keep their stored state. */
  let cutOff = false;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<StartedHerald> {
    try {
      database = openDatabase(config.databaseFile);
      const { db, sqlite } = database;
      logger.info({ file: config.databaseFile }, "database ready");

      if (!config.deeplinkSigning) {
        logger.warn("DEEPLINK_SIGNING is off: anyone who guesses an answer number can take its ticket");
      }
      const parts = wireParts({ config, logger, clock, database, bot: () => bot as Bot<HeraldContext> });
      const { gate: floodGate, delivery, deepLinks, registrations, progress, cockpit } = parts;
      gate = floodGate;
      engine = delivery;
      watcher = progress;

      bot = createBot({
        config,
        db,
        clock,
        logger,
        registrations,
        deepLinks,
        cockpit,
        gate: floodGate,
        stopping: () => cutOff,
      });
      const identity = await identify(bot, config);
      logger.info({ bot: identity.username, id: identity.id }, "bot identity known");
      await bot.api.deleteWebhook();
      await publishCommands(bot.api, config).catch((error: unknown) =>
        logger.warn({ err: describeError(error) }, "could not publish the command menu"),
      );

      server = buildServer({
        logger,
        version: deps.version,
        pingDatabase: () => sqlite.prepare("SELECT 1").get(),
        botIdentity: () =>
          bot?.isInited() ? { id: bot.botInfo.id, username: bot.botInfo.username } : undefined,
        webhooks: {
          db,
          clock,
          webhookSecret: config.webhookSecret,
          registrations,
          deepLinks,
          botUsername: () => (bot?.isInited() ? bot.botInfo.username : undefined),
          onQueued: () => delivery.wake(),
        },
        forms: {
          db,
          clock,
          forms: config.forms,
          registrations,
          deepLinks,
          botUsername: () => (bot?.isInited() ? bot.botInfo.username : undefined),
          onQueued: () => delivery.wake(),
        },
      });
      const httpUrl = await server.listen({ host: config.http.host, port: config.http.port });
      logger.info({ url: httpUrl }, "http listening");

      const runScenarios = scenarioTick(parts, { config, logger, clock });
      scheduler = createScheduler({
        logger,
        clock,
        timezone: config.timezone,
        jobs: schedulerJobs({ logger, clock, database }, runScenarios),
      });
      scheduler.start();
      delivery.start();
      progress.start();
      // Catch up at once rather than at the next minute: steps that fell due while Herald was down.
      runScenarios();

      runner = run(bot, {
        runner: {
          fetch: { allowed_updates: [...ALLOWED_UPDATES] },
          silent: true,
          maxRetryTime: 60 * 60 * 1000,
        },
      });
      watchRunner(runner);
      logger.info("taking updates");
      return { httpUrl, bot: identity };
    } catch (error) {
      await stop();
      throw error;
    }
  }

  function watchRunner(handle: RunnerHandle) {
    handle.task()?.catch((error: unknown) => {
      logger.fatal({ err: describeError(error) }, "the update runner stopped");
      deps.onFatal?.(runnerFailure(error));
    });
  }

  async function drainHandlers(handle: RunnerHandle, limitMs: number) {
    // runner.stop() resolves when fetching stops, not when handlers finish: wait for the sink to empty.
    // A reply queued behind a group's 20-a-minute limit could hold that up to a minute: stop anyway.
    const giveUpAt = Date.now() + limitMs;
    while (handle.size() > 0) {
      if (Date.now() > giveUpAt) {
        logger.warn({ running: handle.size() }, "handlers still running at stop: not waiting longer");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      const handle = runner;
      runner = undefined;
      if (handle) {
        await handle.stop();
        await drainHandlers(handle, DRAIN_LIMIT_MS);
        logger.info("stopped taking updates");
      }
      if (server) await server.close();
      if (scheduler) await scheduler.stop();
      if (engine) await engine.stop();
      // Whatever still waits (a reply behind a long retry_after, a report) is given up: its state is in
      // SQLite and the next start takes it up again.
      cutOff = true;
      gate?.close();
      if (watcher) await watcher.stop();
      if (handle) await drainHandlers(handle, DRAIN_POLL_MS * 25);
      database?.close();
      logger.info("stopped");
    })();
    return stopping;
  }

  return {
    start,
    stop,
    get database() {
      return database;
    },
    get scheduler() {
      return scheduler;
    },
  };
}

/** Who the bot is, or why Telegram would not say: in words an operator can act on. */
async function identify(target: Bot<HeraldContext>, config: Config): Promise<UserFromGetMe> {
  try {
    await target.init();
    return target.botInfo;
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 401) {
      throw new StartupError(
        "bot_token_rejected",
        "Telegram rejected BOT_TOKEN (401 Unauthorized): the token is wrong or was revoked. Copy it again from @BotFather.",
        { cause: error },
      );
    }
    if (error instanceof HttpError || error instanceof GrammyError) {
      throw new StartupError(
        "bot_api_unreachable",
        `The Bot API at ${config.botApiRoot} did not answer getMe (${error.message}). Check BOT_API_ROOT and the network.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Why the update runner stopped, as the error Herald reports. */
function runnerFailure(error: unknown): Error {
  if (error instanceof GrammyError && error.error_code === 409) {
    return new StartupError(
      "bot_conflict",
      "Another process is taking this bot's updates (409 Conflict): run one Herald per bot token.",
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
