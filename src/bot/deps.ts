import type { DeepLinks } from "../audience/deep-links.js";
import type { Organisers } from "../audience/organisers.js";
import type { Registrations } from "../audience/registrations.js";
import type { Segments } from "../audience/segments.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Db, Sqlite } from "../db/client.js";
import type { Broadcasts } from "../delivery/broadcasts.js";
import type { PlanPace as Pace } from "../delivery/plan.js";
import type { Logger } from "../logger.js";
import type { Templates } from "../messages/templates.js";
import type { Scenarios } from "../scenarios/scenarios.js";
import type { ProgressWatcher } from "./progress.js";

export interface BotDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  registrations: Registrations;
  deepLinks: DeepLinks;
  cockpit: CockpitDeps;
  /** True once Herald's stop gives up calls still waiting (dialogs cut off then keep their stored state). */
  stopping?: () => boolean;
}

/** What the organisers' cockpit works with, besides the shared parts above. */
export interface CockpitDeps {
  sqlite: Sqlite;
  organisers: Organisers;
  segments: Segments;
  templates: Templates;
  broadcasts: Broadcasts;
  progress: ProgressWatcher;
  scenarios: Scenarios;
  /** How fast sending goes now and what is queued ahead of a new broadcast (for the plan card's ETA). */
  pace(): Pace;
}

/** How fast sending goes now and what is queued ahead: the plan estimator's input. */
export type { PlanPace as Pace } from "../delivery/plan.js";
