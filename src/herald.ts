import { type RunnerHandle, run } from "@grammyjs/runner";
import type { FastifyInstance } from "fastify";
import { type Bot, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { createDeepLinks } from "./audience/deep-links.js";
import { createOrganisers } from "./audience/organisers.js";
import { createRegistrations } from "./audience/registrations.js";
import { createSegments } from "./audience/segments.js";
import { createBot, describeError } from "./bot/bot.js";
import { publishCommands } from "./bot/commands.js";
import type { HeraldContext } from "./bot/context.js";
import type { CockpitDeps } from "./bot/deps.js";
import { pruneDialogs } from "./bot/dialog-storage.js";
import { createProgressWatcher, type ProgressWatcher } from "./bot/progress.js";
import { type Clock, systemClock, type TimedClock, timedClock } from "./clock.js";
import type { Config } from "./config.js";
import { createScheduler, type Scheduler } from "./cron.js";
import { type HeraldDatabase, maintainDatabase, openDatabase } from "./db/client.js";
import { createBroadcasts } from "./delivery/broadcasts.js";
import { type BroadcastProgress, createDeliveryEngine, type DeliveryEngine } from "./delivery/engine.js";
import { createFloodClosureStore } from "./delivery/flood-closures.js";
import { createFloodGate, type FloodGate } from "./delivery/flood-gate.js";
import { createGatedApi } from "./delivery/gated-api.js";
import { buildServer } from "./http/server.js";
import type { Logger } from "./logger.js";
import { createTemplates } from "./messages/templates.js";
import { createScenarios } from "./scenarios/scenarios.js";

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
/** How often a running broadcast's progress is logged (the admin chat gets its own, throttled view). */
const PROGRESS_LOG_MS = 5000;

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
      const deepLinks = createDeepLinks({ secret: config.deeplinkSecret, signing: config.deeplinkSigning });
      // One flood gate for this bot token: the engine's lanes and the bot's replies all pass it.
      const floodGate = createFloodGate({
        rate: config.broadcastRate,
        paidRate: config.paidBroadcastRate,
        clock,
        logger,
        closures: createFloodClosureStore(sqlite, { now: () => clock.now(), logger }),
      });
      gate = floodGate;
      const delivery = createDeliveryEngine({
        database,
        gate: floodGate,
        apis: {
          transactional: createGatedApi(floodGate, "transactional", config.botToken, config.botApiRoot),
          bulk: createGatedApi(floodGate, "bulk", config.botToken, config.botApiRoot),
        },
        clock,
        logger,
        quietHours: config.quietHours,
        timezone: config.timezone,
      });
      engine = delivery;
      const loggedAt = new Map<number, number>();
      delivery.events.on("progress", (progress: BroadcastProgress) => {
        const last = loggedAt.get(progress.broadcastId) ?? 0;
        if (progress.status === "running" && clock.now() - last < PROGRESS_LOG_MS) return;
        loggedAt.set(progress.broadcastId, clock.now());
        logger.info({ progress }, "broadcast progress");
      });
      const registrations = createRegistrations({
        db,
        clock,
        adminChatId: config.adminChatId,
        onQueued: () => delivery.wake(),
      });

      const broadcasts = createBroadcasts({ database, clock, onChange: () => delivery.wake() });
      const progress = createProgressWatcher({
        api: () => (bot as Bot<HeraldContext>).api,
        sqlite,
        broadcasts,
        clock,
        logger,
        config,
      });
      watcher = progress;
      delivery.events.on("progress", (p: BroadcastProgress) => progress.onProgress(p));
      delivery.events.on("outage", (e: { broadcastId: number; reason: string }) =>
        progress.onOutage({ ...e, phase: "paused" }),
      );
      delivery.events.on("recovered", (e: { broadcastId: number }) =>
        progress.onOutage({ ...e, phase: "resumed" }),
      );
      const scenarios = createScenarios({
        database,
        clock,
        logger,
        quietHours: config.quietHours,
        timezone: config.timezone,
        dailyCap: config.scenarioDailyCap,
        formUrl: config.formUrl,
        eventStartsAt: config.eventStartsAt,
        liveUrl: config.liveUrl,
        formLinkFor: (telegramId) =>
          config.formUrl === null ? null : deepLinks.formLink(config.formUrl, telegramId),
        broadcasts,
        onQueued: () => delivery.wake(),
      });
      scenarios.install();
      const cockpit: CockpitDeps = {
        sqlite,
        organisers: createOrganisers({
          adminIds: config.adminIds,
          adminChatId: config.adminChatId,
          clock,
          memberStatus: async (chatId, userId) => {
            const member = await (bot as Bot<HeraldContext>).api.getChatMember(chatId, userId);
            // A restricted user may have left the group: only a current member counts.
            return member.status === "restricted" && !member.is_member ? "left" : member.status;
          },
        }),
        segments: createSegments({ database, clock }),
        templates: createTemplates({ db, clock }),
        broadcasts,
        progress,
        scenarios,
        pace: () => ({
          freeRate: floodGate.effectiveRate(false),
          paidRate: floodGate.effectiveRate(true),
          queuedAhead: broadcasts.queuedAhead(),
        }),
      };

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
      const identity = await identify(bot);
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
        },
      });
      const httpUrl = await server.listen({ host: config.http.host, port: config.http.port });
      logger.info({ url: httpUrl }, "http listening");

      const runScenarios = () => {
        if (!config.scenariosOn) return;
        const report = scenarios.runDue(clock.now());
        const acted = Object.entries(report).some(([key, n]) => key !== "left" && n > 0) || report.left > 0;
        if (acted) logger.info({ report }, "scenarios ran");
      };

      scheduler = createScheduler({
        logger,
        clock,
        timezone: config.timezone,
        jobs: [
          {
            name: "db-maintenance",
            pattern: "17 * * * *",
            run: () => {
              maintainDatabase(sqlite);
              const pruned = pruneDialogs(db, clock.now());
              if (pruned > 0) logger.info({ pruned }, "abandoned organiser dialogs removed");
            },
          },
          // Every minute; a missed minute (downtime) is caught up by the next, which reads what is due.
          { name: "scenarios", pattern: "* * * * *", run: runScenarios },
        ],
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

  async function identify(target: Bot<HeraldContext>): Promise<UserFromGetMe> {
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

  function watchRunner(handle: RunnerHandle) {
    handle.task()?.catch((error: unknown) => {
      const fatal =
        error instanceof GrammyError && error.error_code === 409
          ? new StartupError(
              "bot_conflict",
              "Another process is taking this bot's updates (409 Conflict): run one Herald per bot token.",
              { cause: error },
            )
          : error instanceof Error
            ? error
            : new Error(String(error));
      logger.fatal({ err: describeError(error) }, "the update runner stopped");
      deps.onFatal?.(fatal);
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
