import { and, eq, inArray, isNotNull, lt } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { broadcasts } from "../db/schema.js";

/**
 * Drafts of dialogs that are gone (pruned after a week, dropped by an upgrade, or a crash came
 * between storing the draft and the dialog's step): never sent and never listed, deleted here so
 * they hold no uploaded list "in use". Only dialogs' drafts (with an organiser and a chat).
 */
export function pruneDrafts(
  db: Db,
  options: { before: number; dialogOpen(owner: { createdBy: number; chatId: number }): boolean },
): number {
  const old = db
    .select({ id: broadcasts.id, createdBy: broadcasts.createdBy, chatId: broadcasts.progressChatId })
    .from(broadcasts)
    .where(
      and(
        eq(broadcasts.status, "draft"),
        lt(broadcasts.createdAt, options.before),
        isNotNull(broadcasts.createdBy),
        isNotNull(broadcasts.progressChatId),
      ),
    )
    .all();
  const abandoned = old
    .filter((d) => !options.dialogOpen({ createdBy: d.createdBy as number, chatId: d.chatId as number }))
    .map((d) => d.id);
  if (abandoned.length === 0) return 0;
  return db
    .delete(broadcasts)
    .where(and(inArray(broadcasts.id, abandoned), eq(broadcasts.status, "draft")))
    .run().changes;
}
