import type { Bot } from "grammy";
import { createDeepLinks, type DeepLinks } from "./audience/deep-links.js";
import { createOrganisers } from "./audience/organisers.js";
import { type BindingMade, createRegistrations, type Registrations } from "./audience/registrations.js";
import { createSegments } from "./audience/segments.js";
import type { HeraldContext } from "./bot/context.js";
import type { CockpitDeps } from "./bot/deps.js";
import { pruneDialogs } from "./bot/dialog-storage.js";
import { createProgressWatcher, type ProgressWatcher } from "./bot/progress.js";
import type { TimedClock } from "./clock.js";
import type { Config } from "./config.js";
import type { CronJob } from "./cron.js";
import { type HeraldDatabase, maintainDatabase } from "./db/client.js";
import { createBroadcasts } from "./delivery/broadcasts.js";
import { type BroadcastProgress, createDeliveryEngine, type DeliveryEngine } from "./delivery/engine.js";
import { createFloodClosureStore } from "./delivery/flood-closures.js";
import { createFloodGate, type FloodGate } from "./delivery/flood-gate.js";
import { createGatedApi } from "./delivery/gated-api.js";
import type { Logger } from "./logger.js";
import { createTemplates } from "./messages/templates.js";
import type { Scenarios } from "./scenarios/model.js";
import { createScenarios } from "./scenarios/scenarios.js";

/** How often a running broadcast's progress is logged (the admin chat gets its own, throttled view). */
const PROGRESS_LOG_MS = 5000;

export interface WiringDeps {
  config: Config;
  logger: Logger;
  clock: TimedClock;
  database: HeraldDatabase;
  /** The bot, once made (the cockpit's lookups and the progress messages call it later). */
  bot: () => Bot<HeraldContext>;
}

/** The domain and delivery parts createHerald starts and stops, wired to each other. */
export interface HeraldParts {
  gate: FloodGate;
  delivery: DeliveryEngine;
  deepLinks: DeepLinks;
  registrations: Registrations;
  progress: ProgressWatcher;
  scenarios: Scenarios;
  cockpit: CockpitDeps;
}

/** One flood gate for this bot token: the engine's lanes and the bot's replies all pass it. */
function wireDelivery({ config, logger, clock, database }: WiringDeps): {
  gate: FloodGate;
  delivery: DeliveryEngine;
} {
  const gate = createFloodGate({
    rate: config.broadcastRate,
    paidRate: config.paidBroadcastRate,
    clock,
    logger,
    closures: createFloodClosureStore(database.sqlite, { now: () => clock.now(), logger }),
  });
  const delivery = createDeliveryEngine({
    database,
    gate,
    apis: {
      transactional: createGatedApi(gate, "transactional", config.botToken, config.botApiRoot),
      bulk: createGatedApi(gate, "bulk", config.botToken, config.botApiRoot),
    },
    clock,
    logger,
    quietHours: config.quietHours,
    timezone: config.timezone,
    adminChatId: config.adminChatId,
  });
  const loggedAt = new Map<number, number>();
  delivery.events.on("progress", (progress: BroadcastProgress) => {
    const last = loggedAt.get(progress.broadcastId) ?? 0;
    if (progress.status === "running" && clock.now() - last < PROGRESS_LOG_MS) return;
    loggedAt.set(progress.broadcastId, clock.now());
    logger.info({ progress }, "broadcast progress");
  });
  return { gate, delivery };
}

export function wireParts(deps: WiringDeps): HeraldParts {
  const { config, logger, clock, database } = deps;
  const { db, sqlite } = database;
  const deepLinks = createDeepLinks({
    secret: config.deeplinkSecret,
    signing: config.deeplinkSigning,
    form: config.forms,
  });
  const { gate, delivery } = wireDelivery(deps);
  const broadcasts = createBroadcasts({ database, clock, onChange: () => delivery.wake() });
  const progress = createProgressWatcher({
    api: () => deps.bot().api,
    sqlite,
    broadcasts,
    clock,
    logger,
    config,
  });
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
  const registrations = createRegistrations({
    db,
    clock,
    adminChatId: config.adminChatId,
    onQueued: () => delivery.wake(),
    // The welcome goes with the binding, not at the next minute's tick (which would find the run made).
    ...(config.scenariosOn
      ? { onBound: (_tx: unknown, binding: BindingMade) => scenarios.enrolBound(binding) }
      : {}),
  });
  const cockpit: CockpitDeps = {
    sqlite,
    organisers: createOrganisers({
      adminIds: config.adminIds,
      adminChatId: config.adminChatId,
      clock,
      memberStatus: async (chatId, userId) => {
        const member = await deps.bot().api.getChatMember(chatId, userId);
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
      freeRate: gate.effectiveRate(false),
      paidRate: gate.effectiveRate(true),
      queuedAhead: broadcasts.queuedAhead(),
    }),
  };
  return { gate, delivery, deepLinks, registrations, progress, scenarios, cockpit };
}

/** Herald's cron jobs: hourly upkeep of the database, and the reminder scenarios every minute. */
export function schedulerJobs(
  { logger, clock, database }: Pick<WiringDeps, "logger" | "clock" | "database">,
  runScenarios: () => void,
): CronJob[] {
  return [
    {
      name: "db-maintenance",
      pattern: "17 * * * *",
      run: () => {
        maintainDatabase(database.sqlite);
        const pruned = pruneDialogs(database.db, clock.now());
        if (pruned > 0) logger.info({ pruned }, "abandoned organiser dialogs removed");
      },
    },
    // Every minute; a missed minute (downtime) is caught up by the next, which reads what is due.
    { name: "scenarios", pattern: "* * * * *", run: runScenarios },
  ];
}

/** Runs the scenarios that are due now, logging a tick that did something. */
export function scenarioTick(
  parts: Pick<HeraldParts, "scenarios">,
  deps: Pick<WiringDeps, "config" | "logger" | "clock">,
) {
  return () => {
    if (!deps.config.scenariosOn) return;
    const report = parts.scenarios.runDue(deps.clock.now());
    const acted = Object.entries(report).some(([key, n]) => key !== "left" && n > 0) || report.left > 0;
    if (acted) deps.logger.info({ report }, "scenarios ran");
  };
}
