import { and, eq, inArray, isNotNull, lt } from "drizzle-orm";
import type { Db, HeraldDatabase } from "../db/client.js";
import { broadcasts } from "../db/schema.js";
import type { NewBroadcast } from "./broadcast-content.js";

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

/** A draft: nothing is sent until it is launched. */
export function insertDraft(db: Db, input: NewBroadcast, now: number) {
  return db
    .insert(broadcasts)
    .values({
      title: input.title,
      content: JSON.stringify(input.content),
      audience: JSON.stringify(input.audience ?? { kind: "all_active" }),
      paid: input.paid ?? false,
      urgent: input.urgent ?? false,
      silent: input.silent ?? false,
      scheduledAt: input.scheduledAt ?? null,
      deadline: input.deadline ?? null,
      createdBy: input.createdBy ?? null,
      progressChatId: input.watch?.chatId ?? null,
      progressLanguage: input.watch?.language ?? null,
      createdAt: now,
    })
    .returning()
    .get();
}

/**
 * Deletes the drafts of one dialog (its organiser in its chat), with `alongside` (the end of the
 * dialog) in the same transaction; launched broadcasts are never touched. Returns how many went.
 */
export function deleteDrafts(
  database: HeraldDatabase,
  owner: { createdBy: number; chatId: number },
  alongside?: () => void,
): number {
  const { db, sqlite } = database;
  return sqlite.transaction(() => {
    const { changes } = db
      .delete(broadcasts)
      .where(
        and(
          eq(broadcasts.status, "draft"),
          eq(broadcasts.createdBy, owner.createdBy),
          eq(broadcasts.progressChatId, owner.chatId),
        ),
      )
      .run();
    alongside?.();
    return changes;
  })();
}
