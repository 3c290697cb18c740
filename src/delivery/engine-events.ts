import type { BroadcastProgress } from "./progress-figures.js";

/** What the engine tells its listeners, by event name. */
export interface EngineEvents {
  /** About once a second per active broadcast, and at once when one pauses or is done. */
  progress: [BroadcastProgress];
  /** Telegram stopped answering: the broadcast paused until it does (`reason`: the last error). */
  outage: [{ broadcastId: number; reason: string }];
  /** Telegram answers again: the broadcast paused for the outage resumed. */
  recovered: [{ broadcastId: number }];
}
