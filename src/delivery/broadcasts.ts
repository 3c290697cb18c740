import { and, eq, inArray } from "drizzle-orm";
import type { AudienceRule } from "../audience/segments.js";
import type { Clock } from "../clock.js";
import type { Db, HeraldDatabase, Sqlite } from "../db/client.js";
import { type BroadcastStatus, broadcasts, type Language, type PausedBy } from "../db/schema.js";
import type { NewBroadcast, Watch } from "./broadcast-content.js";
import { BroadcastStateError, createBroadcastQueries } from "./broadcast-queries.js";
import { deleteDrafts, insertDraft } from "./drafts.js";

export type {
  BroadcastContent,
  ButtonTemplate,
  LocalizedContent,
  NewBroadcast,
  Watch,
} from "./broadcast-content.js";
export { BroadcastNotFoundError, BroadcastStateError } from "./broadcast-queries.js";
export { pruneDrafts } from "./drafts.js";
export type { AudienceRule };

/**
 * Every change of a broadcast's status, by the operation that makes it, and the statuses it may
 * leave. This file is the only writer of `broadcasts.status`, and each write is checked here: an
 * organiser's operation throws BroadcastStateError, the engine's conditional updates change nothing.
 */
export const TRANSITIONS = {
  /** An organiser launches a draft: it waits for its time, or starts now. */
  launch: { from: ["draft"], to: ["scheduled", "running"] },
  /** The engine starts a scheduled broadcast whose time came. */
  startDue: { from: ["scheduled"], to: ["running"] },
  /** An organiser pauses; a pause the engine made becomes theirs (see Broadcasts.pause). */
  pause: { from: ["scheduled", "running", "paused"], to: ["paused"] },
  /** The engine pauses a broadcast after a run of failures (or Telegram's outage). */
  pauseItself: { from: ["running"], to: ["paused"] },
  /** An organiser resumes: back to waiting for its time, or running. */
  resume: { from: ["paused"], to: ["scheduled", "running"] },
  /** Telegram answers again: the engine resumes what it paused for the outage. */
  resumeAfterOutage: { from: ["paused"], to: ["running"] },
  /** The engine: nothing of it is left to send (sent, failed, blocked or expired). */
  finish: { from: ["running"], to: ["done"] },
  /** An organiser stops it for good; its pending rows are cancelled. */
  cancel: { from: ["draft", "scheduled", "running", "paused"], to: ["cancelled"] },
} as const satisfies Record<string, { from: readonly BroadcastStatus[]; to: readonly BroadcastStatus[] }>;

export type Transition = keyof typeof TRANSITIONS;

/** Whether a broadcast may go from one status to another (by any operation). */
export function canMove(from: BroadcastStatus, to: BroadcastStatus): boolean {
  return Object.values(TRANSITIONS).some(
    (t) =>
      (t.from as readonly BroadcastStatus[]).includes(from) &&
      (t.to as readonly BroadcastStatus[]).includes(to),
  );
}

const mayLeave = (op: Transition, status: BroadcastStatus) =>
  (TRANSITIONS[op].from as readonly BroadcastStatus[]).includes(status);
/** The `from` statuses of an operation as an SQL list (constants, never input). */
const fromList = (op: Transition) => TRANSITIONS[op].from.map((s) => `'${s}'`).join(", ");

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
  const queries = createBroadcastQueries(deps.database);
  const { get } = queries;
  const cancelPending = sqlite.prepare(
    "UPDATE deliveries SET status = 'cancelled' WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
  );

  const set = (tx: Db, id: number, values: Partial<Broadcast>) =>
    tx.update(broadcasts).set(values).where(eq(broadcasts.id, id)).returning().get() as Broadcast;
  const changed = (row: Broadcast) => {
    deps.onChange?.();
    return row;
  };

  return {
    create: (input) => insertDraft(db, input, clock.now()),
    discardDrafts: (owner, alongside) => deleteDrafts(deps.database, owner, alongside),
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
          .where(and(eq(broadcasts.id, id), inArray(broadcasts.status, TRANSITIONS.launch.from)))
          .returning()
          .get();
        if (!updated) throw new BroadcastStateError(id, row.status, "launched");
        options.alongside?.(updated);
        return updated;
      })();
      return changed(launched);
    },
    pause(id, reason) {
      const row = get(id);
      // An organiser may also take over a pause the engine made (it would resume that one itself).
      const theirsAlready = row.status === "paused" && row.pausedBy === "organiser";
      if (!mayLeave("pause", row.status) || theirsAlready)
        throw new BroadcastStateError(id, row.status, "paused");
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
      if (!mayLeave("resume", row.status)) throw new BroadcastStateError(id, row.status, "resumed");
      const now = clock.now();
      const status: BroadcastStatus =
        row.scheduledAt !== null && row.scheduledAt > now ? "scheduled" : "running";
      return changed(
        set(db, id, { status, pauseReason: null, pausedBy: null, startedAt: row.startedAt ?? now }),
      );
    },
    cancel(id) {
      const row = get(id);
      if (!mayLeave("cancel", row.status)) throw new BroadcastStateError(id, row.status, "cancelled");
      return changed(
        db.transaction((tx) => {
          cancelPending.run(id);
          return set(tx, id, { status: "cancelled", finishedAt: clock.now() });
        }),
      );
    },
    ...queries,
    watchFrom(id, watch) {
      set(db, id, {
        progressChatId: watch.chatId,
        progressMessageId: watch.messageId,
        progressLanguage: watch.language,
      });
    },
    markCsvSent(id) {
      set(db, id, { reportCsvAt: clock.now() });
    },
    markReported(id) {
      set(db, id, { reportedAt: clock.now() });
    },
  };
}

/** The engine's side of the lifecycle: prepared statements, each conditional on its `from` statuses. */
export interface BroadcastRuns {
  /** scheduled → running for every broadcast whose time came; returns their ids. */
  startDue(now: number): number[];
  /** running → paused by the engine itself; false when it was not running any more (an organiser came first). */
  pauseItself(id: number, by: Exclude<PausedBy, "organiser">, reason: string): boolean;
  /** Whether any broadcast waits for Telegram to answer again. */
  anyPausedForOutage(): boolean;
  /** paused (for an outage) → running, every one of them; returns their ids. */
  resumeAfterOutage(): number[];
  /** running → done; false when it stopped meanwhile (paused, cancelled). */
  finish(id: number, now: number): boolean;
  /**
   * Its deadline passed: its pending rows expire and are counted in one transaction (a crash between
   * the two would lose the count), and its audience is complete. Returns how many expired.
   */
  expire(id: number): number;
  /** Rows that came back unsent after the deadline: counted as expired (runs in the caller's transaction). */
  countExpired(id: number, n: number): void;
}

export function createBroadcastRuns(sqlite: Sqlite): BroadcastRuns {
  const sql = {
    startDue: sqlite.prepare(
      `UPDATE broadcasts SET status = 'running', started_at = @now
       WHERE status IN (${fromList("startDue")}) AND (scheduled_at IS NULL OR scheduled_at <= @now) RETURNING id`,
    ),
    pauseItself: sqlite.prepare(
      `UPDATE broadcasts SET status = 'paused', pause_reason = ?, paused_by = ?
       WHERE id = ? AND status IN (${fromList("pauseItself")})`,
    ),
    pausedForOutage: sqlite.prepare(
      "SELECT id FROM broadcasts WHERE status = 'paused' AND paused_by = 'outage' LIMIT 1",
    ),
    resumeAfterOutage: sqlite.prepare(
      `UPDATE broadcasts SET status = 'running', pause_reason = NULL, paused_by = NULL
       WHERE status IN (${fromList("resumeAfterOutage")}) AND paused_by = 'outage' RETURNING id`,
    ),
    finish: sqlite.prepare(
      `UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status IN (${fromList("finish")})`,
    ),
    expirePending: sqlite.prepare(
      "UPDATE deliveries SET status = 'expired' WHERE broadcast_id = ? AND status = 'pending'",
    ),
    countExpired: sqlite.prepare(
      "UPDATE broadcasts SET expired = expired + ?, audience_complete = 1 WHERE id = ?",
    ),
  };
  const expire = sqlite.transaction((id: number) => {
    const n = sql.expirePending.run(id).changes;
    sql.countExpired.run(n, id);
    return n;
  });
  return {
    startDue: (now) => (sql.startDue.all({ now }) as Array<{ id: number }>).map((r) => r.id),
    pauseItself: (id, by, reason) => sql.pauseItself.run(reason, by, id).changes > 0,
    anyPausedForOutage: () => sql.pausedForOutage.get() !== undefined,
    resumeAfterOutage: () => (sql.resumeAfterOutage.all() as Array<{ id: number }>).map((r) => r.id),
    finish: (id, now) => sql.finish.run(now, id).changes > 0,
    expire: (id) => expire(id),
    countExpired: (id, n) => {
      sql.countExpired.run(n, id);
    },
  };
}
