import { and, desc, eq, inArray, isNotNull, isNull, lt, ne, or } from "drizzle-orm";
import type { AudienceRule } from "../audience/segments.js";
import type { Clock } from "../clock.js";
import type { Db, HeraldDatabase } from "../db/client.js";
import { type BroadcastStatus, broadcasts, type Language } from "../db/schema.js";
import { DomainError } from "../errors.js";

export interface ButtonTemplate {
  text: string;
  /** May hold `{param}` placeholders. */
  url: string;
}

/** Another language's text and buttons, for recipients who speak it (Herald's own texts, e.g. reminders). */
export interface LocalizedContent {
  html?: string;
  buttons?: ButtonTemplate[][];
}

/** What a broadcast says: a template, or an organiser's own message copied as it is. */
export type BroadcastContent =
  | {
      kind: "text";
      html: string;
      buttons?: ButtonTemplate[][];
      disablePreview?: boolean;
      localized?: Partial<Record<Language, LocalizedContent>>;
    }
  | { kind: "photo"; photo: string; captionHtml?: string; buttons?: ButtonTemplate[][] }
  | { kind: "copy"; fromChatId: number; messageId: number; buttons?: ButtonTemplate[][] };

export type { AudienceRule };

export interface NewBroadcast {
  title: string;
  content: BroadcastContent;
  audience?: AudienceRule;
  paid?: boolean;
  urgent?: boolean;
  silent?: boolean;
  /** Unix ms; launch waits for it. */
  scheduledAt?: number;
  /** Unix ms; whatever is not delivered by then expires. */
  deadline?: number;
  /** The organiser who made it. */
  createdBy?: number;
  /**
   * The chat that watches it (progress message and report) and its organiser's language. A draft
   * composed in a dialog carries its dialog's chat from the start: with `createdBy` it names the
   * dialog, so leaving the dialog can discard it.
   */
  watch?: Watch;
}

export interface Watch {
  chatId: number;
  language: Language;
}

export interface LaunchOptions {
  /** Who watches it: stored in the launch's transaction, so the report finds its chat whatever follows. */
  watch?: Watch;
  /**
   * Writes that belong to the launch (the audit row, the end of the dialog that launched it). They
   * run inside its transaction: all of them happen with the launch, or none does.
   */
  alongside?: (launched: Broadcast) => void;
}

export type Broadcast = typeof broadcasts.$inferSelect;

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

export interface Broadcasts {
  /** A draft: nothing is sent until it is launched. */
  create(input: NewBroadcast): Broadcast;
  /**
   * draft → scheduled (if its time is ahead) or running, in one transaction with the watch and
   * whatever `alongside` writes. A conditional update: it happens once, and a second call throws
   * BroadcastStateError (the broadcast went already) or BroadcastNotFoundError (the draft was discarded).
   */
  launch(id: number, options?: LaunchOptions): Broadcast;
  /**
   * Deletes the drafts of one dialog (its organiser in its chat), with `alongside` (the end of the
   * dialog) in the same transaction; launched broadcasts are never touched. Returns how many went.
   */
  discardDrafts(owner: { createdBy: number; chatId: number }, alongside?: () => void): number;
  pause(id: number, reason?: string): Broadcast;
  resume(id: number): Broadcast;
  /** Stops for good: pending deliveries are cancelled. */
  cancel(id: number): Broadcast;
  get(id: number): Broadcast;
  /** Launched broadcasts, the most recent first; drafts are a dialog's business and never listed. */
  list(limit: number): Broadcast[];
  /** Remembers the admin-chat message that shows its progress. */
  watchFrom(id: number, watch: { chatId: number; messageId: number; language: Language }): void;
  /** Finished broadcasts whose report has not reached the admin chat yet. */
  unreported(): Broadcast[];
  /**
   * Launched, watched broadcasts whose progress message was never posted (Herald stopped between
   * the launch and the post, or Telegram refused it).
   */
  unposted(): Broadcast[];
  markReported(id: number): void;
  /** The report's CSV went too. */
  markCsvSent(id: number): void;
  /** Messages still to go before a broadcast launched now starts: running broadcasts' rest and queued tickets. */
  queuedAhead(): number;
}

/** The lifecycle of broadcasts; the delivery engine does the sending. */
export function createBroadcasts(deps: {
  database: HeraldDatabase;
  clock: Clock;
  onChange?: () => void;
}): Broadcasts {
  const { db, sqlite } = deps.database;
  const { clock } = deps;
  const cancelPending = sqlite.prepare(
    "UPDATE deliveries SET status = 'cancelled' WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
  );

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
  const set = (tx: Db, id: number, values: Partial<Broadcast>) =>
    tx.update(broadcasts).set(values).where(eq(broadcasts.id, id)).returning().get() as Broadcast;
  const changed = (row: Broadcast) => {
    deps.onChange?.();
    return row;
  };

  return {
    create(input) {
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
          createdAt: clock.now(),
        })
        .returning()
        .get();
    },
    launch(id, options = {}) {
      const launched = sqlite.transaction(() => {
        const row = get(id);
        const now = clock.now();
        const status: BroadcastStatus =
          row.scheduledAt !== null && row.scheduledAt > now ? "scheduled" : "running";
        // Conditional on 'draft': of two launches of one draft (a double tap, an old button after
        // a restart) exactly one changes the row, and the other is told what became of it.
        const updated = db
          .update(broadcasts)
          .set({
            status,
            ...(status === "running" ? { startedAt: now } : {}),
            ...(options.watch
              ? { progressChatId: options.watch.chatId, progressLanguage: options.watch.language }
              : {}),
          })
          .where(and(eq(broadcasts.id, id), eq(broadcasts.status, "draft")))
          .returning()
          .get();
        if (!updated) throw new BroadcastStateError(id, row.status, "launched");
        options.alongside?.(updated);
        return updated;
      })();
      return changed(launched);
    },
    discardDrafts(owner, alongside) {
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
    },
    pause(id, reason) {
      const row = get(id);
      // An organiser may also take over a pause the engine made (it would resume that one itself).
      const takeOver = row.status === "paused" && row.pausedBy !== "organiser";
      if (row.status !== "running" && row.status !== "scheduled" && !takeOver) {
        throw new BroadcastStateError(id, row.status, "paused");
      }
      // An organiser's pause is theirs to lift: the engine resumes only what it paused for an outage.
      return changed(
        set(db, id, {
          status: "paused",
          pauseReason: reason ?? "paused by an organiser",
          pausedBy: "organiser",
        }),
      );
    },
    resume(id) {
      const row = get(id);
      if (row.status !== "paused") throw new BroadcastStateError(id, row.status, "resumed");
      const now = clock.now();
      const status: BroadcastStatus =
        row.scheduledAt !== null && row.scheduledAt > now ? "scheduled" : "running";
      return changed(
        set(db, id, { status, pauseReason: null, pausedBy: null, startedAt: row.startedAt ?? now }),
      );
    },
    cancel(id) {
      const row = get(id);
      if (TERMINAL.includes(row.status)) throw new BroadcastStateError(id, row.status, "cancelled");
      return changed(
        db.transaction((tx) => {
          cancelPending.run(id);
          return set(tx, id, { status: "cancelled", finishedAt: clock.now() });
        }),
      );
    },
    get,
    list(limit) {
      return db
        .select()
        .from(broadcasts)
        .where(ne(broadcasts.status, "draft"))
        .orderBy(desc(broadcasts.id))
        .limit(limit)
        .all();
    },
    watchFrom(id, watch) {
      set(db, id, {
        progressChatId: watch.chatId,
        progressMessageId: watch.messageId,
        progressLanguage: watch.language,
      });
    },
    unreported() {
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
    unposted() {
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
    queuedAhead() {
      const { n } = queuedAhead.get() as { n: number };
      return n;
    },
    markCsvSent(id) {
      set(db, id, { reportCsvAt: clock.now() });
    },
    markReported(id) {
      set(db, id, { reportedAt: clock.now() });
    },
  };
}

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
