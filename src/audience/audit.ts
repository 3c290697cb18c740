import { desc } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { auditLog } from "../db/schema.js";

export interface AdminAction {
  actorId: number;
  chatId: number;
  /** What was done, e.g. "broadcast.launch", "segment.import". */
  action: string;
  /** Ids and settings only: never message texts or people's data. */
  detail?: Record<string, unknown>;
  at: number;
}

export function recordAdminAction(db: Db, action: AdminAction): void {
  db.insert(auditLog)
    .values({ ...action, detail: JSON.stringify(action.detail ?? {}) })
    .run();
}

export function recentAdminActions(db: Db, limit: number) {
  return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all();
}
