import { and, desc, eq, inArray, isNotNull, isNull, ne, or } from "drizzle-orm";
import type { HeraldDatabase } from "../db/client.js";
import { type BroadcastStatus, broadcasts } from "../db/schema.js";
import { DomainError } from "../errors.js";

type Broadcast = typeof broadcasts.$inferSelect;

export class BroadcastStateError extends DomainError {
  override readonly name = "BroadcastStateError";
  readonly code = "broadcast_state";
  constructor(id: number, status: string, action: string) {
    super(`broadcast ${id} is ${status}: it cannot be ${action}`);
  }
}

export class BroadcastNotFoundError extends DomainError {
  override readonly name = "BroadcastNotFoundError";
  readonly code = "broadcast_not_found";
  constructor(id: number) {
    super(`there is no broadcast ${id}`);
  }
}

const TERMINAL: BroadcastStatus[] = ["done", "cancelled"];
/** Launched at some point: everything but a draft. */
const LAUNCHED: BroadcastStatus[] = ["scheduled", "running", "paused", "done", "cancelled"];

/** What the cockpit and the progress watcher read about broadcasts (Broadcasts offers these). */
export function createBroadcastQueries(database: HeraldDatabase) {
  const { db, sqlite } = database;
  const queuedAhead = sqlite.prepare(
    `SELECT (SELECT coalesce(sum(max(0, total - sent - failed - blocked - expired)), 0) FROM broadcasts
             WHERE status = 'running')
          + (SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending') AND lane = 'transactional') AS n`,
  );
  const get = (id: number): Broadcast => {
    const row = db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
    if (!row) throw new BroadcastNotFoundError(id);
    return row;
  };
  return {
    get,
    list(limit: number): Broadcast[] {
      return db
        .select()
        .from(broadcasts)
        .where(ne(broadcasts.status, "draft"))
        .orderBy(desc(broadcasts.id))
        .limit(limit)
        .all();
    },
    unreported(): Broadcast[] {
      return db
        .select()
        .from(broadcasts)
        .where(
          and(
            inArray(broadcasts.status, TERMINAL),
            or(isNull(broadcasts.reportedAt), isNull(broadcasts.reportCsvAt)),
            isNotNull(broadcasts.progressChatId),
          ),
        )
        .all();
    },
    unposted(): Broadcast[] {
      return db
        .select()
        .from(broadcasts)
        .where(
          and(
            inArray(broadcasts.status, LAUNCHED),
            isNotNull(broadcasts.progressChatId),
            isNull(broadcasts.progressMessageId),
            isNull(broadcasts.reportedAt),
          ),
        )
        .all();
    },
    queuedAhead(): number {
      const { n } = queuedAhead.get() as { n: number };
      return n;
    },
  };
}
