import type { DeepLinks } from "../audience/deep-links.js";
import type { Registrations } from "../audience/registrations.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../logger.js";

export interface BotDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  registrations: Registrations;
  deepLinks: DeepLinks;
}
