import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../logger.js";

export interface BotDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
}
