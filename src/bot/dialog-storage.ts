import type { VersionedStateStorage } from "@grammyjs/conversations";
import { eq, lt } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { dialogs } from "../db/schema.js";
import { pruneDrafts } from "../delivery/broadcasts.js";
import { stripPersonal } from "./strip-personal.js";

/**
 * Conversation state in SQLite, so an organiser's half-composed broadcast survives a restart. It
 * holds the organiser's own updates, which Telegram sends with their name, username and, in a shared
 * contact, someone's phone: these are stripped before anything is written (stripPersonal), so the
 * file holds ids, texts and button data only. Abandoned dialogs are still pruned after a week
 * (pruneDialogs, from the hourly upkeep), with the texts they hold. The
 * plugin versions what it writes; after an incompatible code change the old state is dropped and the
 * organiser is told the dialog ended (see the cockpit's fallback), never left in silence. A change
 * that forgot the version bump is caught when the old log fails to replay, and dropped the same way.
 */
export function dialogStorage<S>(
  db: Db,
  clock: Clock,
  /**
   * True once Herald is stopping: a dialog cut off mid-step (its pending messages given up) must
   * not be rewritten or deleted, so it resumes from its last finished step, as after a crash.
   */
  frozen: () => boolean = () => false,
): VersionedStateStorage<string, S> {
  type Stored = Parameters<VersionedStateStorage<string, S>["write"]>[1];
  return {
    read(key) {
      const row = db.select().from(dialogs).where(eq(dialogs.key, key)).get();
      return row ? (JSON.parse(row.state) as Stored) : undefined;
    },
    write(key, state) {
      if (frozen()) return;
      const value = { key, state: JSON.stringify(stripPersonal(state)), updatedAt: clock.now() };
      db.insert(dialogs)
        .values(value)
        .onConflictDoUpdate({ target: dialogs.key, set: { state: value.state, updatedAt: value.updatedAt } })
        .run();
    },
    delete(key) {
      if (frozen()) return;
      db.delete(dialogs).where(eq(dialogs.key, key)).run();
    },
  };
}

/**
 * The conversations plugin's error for a stored dialog whose log does not match the code replaying it
 * (`Bad replay, expected op '…'` from its replay cursor): the log was recorded by other dialog code, a
 * step added or removed without bumping the dialog version (or, for a dialog that parsed a date, under
 * another TIMEZONE). The same code, configuration and log always replay alike: every read, clock and
 * send inside a dialog goes through `conversation.external`.
 */
export function isReplayMismatch(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("Bad replay");
}

/** One dialog per organiser per chat: two organisers can compose side by side in the same group. */
export function dialogKey(ctx: { chat?: { id: number }; from?: { id: number } }): string | undefined {
  if (!ctx.chat || !ctx.from) return undefined;
  return dialogKeyOf(ctx.chat.id, ctx.from.id);
}

export function dialogKeyOf(chatId: number, userId: number): string {
  return `${chatId}:${userId}`;
}

/**
 * Ends a dialog by deleting its stored state, for a final action that must be one transaction with
 * the dialog's end (Launch): called inside that transaction, it commits or rolls back with it. The
 * plugin's own delete at the end of the update then finds nothing left.
 */
export function endDialog(db: Db, key: string): void {
  db.delete(dialogs).where(eq(dialogs.key, key)).run();
}

export function hasDialog(db: Db, key: string): boolean {
  // The plugin prefixes keys with nothing by default; a stored row means a dialog in progress.
  return db.select({ key: dialogs.key }).from(dialogs).where(eq(dialogs.key, key)).get() !== undefined;
}

/** A dialog untouched this long is abandoned: dropped, with the organisers' updates it holds. */
export const DIALOG_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** A draft is made inside a dialog that exists already: one this old without its dialog is abandoned. */
const DRAFT_GRACE_MS = 60 * 60 * 1000;

/**
 * Drops abandoned dialogs, then the broadcast drafts no dialog holds any more; returns how many of both.
 * Dialogs stored by a Herald that kept names lose them here (the first upkeep after an upgrade).
 */
export function pruneDialogs(db: Db, now: number): number {
  const dialogsPruned = db
    .delete(dialogs)
    .where(lt(dialogs.updatedAt, now - DIALOG_RETENTION_MS))
    .run().changes;
  stripStoredDialogs(db);
  const draftsPruned = pruneDrafts(db, {
    before: now - DRAFT_GRACE_MS,
    dialogOpen: (owner) => hasDialog(db, dialogKeyOf(owner.chatId, owner.createdBy)),
  });
  return dialogsPruned + draftsPruned;
}

/**
 * Rewrites, without personal fields, the stored dialogs that still hold some; their time of last use is
 * kept, so retention still counts from the organiser's last step. Synchronous: no update of a dialog
 * can come between the read and the write.
 */
export function stripStoredDialogs(db: Db): number {
  let rewritten = 0;
  db.transaction((tx) => {
    for (const row of tx.select({ key: dialogs.key, state: dialogs.state }).from(dialogs).all()) {
      const stripped = JSON.stringify(stripPersonal(JSON.parse(row.state)));
      if (stripped === row.state) continue;
      tx.update(dialogs).set({ state: stripped }).where(eq(dialogs.key, row.key)).run();
      rewritten++;
    }
  });
  return rewritten;
}
