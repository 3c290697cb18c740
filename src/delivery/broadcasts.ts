import { and, desc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
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

export interface Broadcasts {
  create(input: NewBroadcast): Broadcast;
  /** draft → scheduled (if its time is ahead) or running. */
  launch(id: number): Broadcast;
  pause(id: number, reason?: string): Broadcast;
  resume(id: number): Broadcast;
  /** Stops for good: pending deliveries are cancelled. */
  cancel(id: number): Broadcast;
  get(id: number): Broadcast;
  /** The most recent first. */
  list(limit: number): Broadcast[];
  /** Remembers the admin-chat message that shows its progress. */
  watchFrom(id: number, watch: { chatId: number; messageId: number; language: Language }): void;
  /** Finished broadcasts whose report has not reached the admin chat yet. */
  unreported(): Broadcast[];
  markReported(id: number): void;
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
          createdAt: clock.now(),
        })
        .returning()
        .get();
    },
    launch(id) {
      const row = get(id);
      if (row.status !== "draft") throw new BroadcastStateError(id, row.status, "launched");
      const now = clock.now();
      const status: BroadcastStatus =
        row.scheduledAt !== null && row.scheduledAt > now ? "scheduled" : "running";
      return changed(set(db, id, { status, ...(status === "running" ? { startedAt: now } : {}) }));
    },
    pause(id, reason) {
      const row = get(id);
      if (row.status !== "running" && row.status !== "scheduled") {
        throw new BroadcastStateError(id, row.status, "paused");
      }
      return changed(set(db, id, { status: "paused", pauseReason: reason ?? "paused by an organiser" }));
    },
    resume(id) {
      const row = get(id);
      if (row.status !== "paused") throw new BroadcastStateError(id, row.status, "resumed");
      const now = clock.now();
      const status: BroadcastStatus =
        row.scheduledAt !== null && row.scheduledAt > now ? "scheduled" : "running";
      return changed(set(db, id, { status, pauseReason: null, startedAt: row.startedAt ?? now }));
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
      return db.select().from(broadcasts).orderBy(desc(broadcasts.id)).limit(limit).all();
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
            isNull(broadcasts.reportedAt),
            isNotNull(broadcasts.progressChatId),
          ),
        )
        .all();
    },
    markReported(id) {
      set(db, id, { reportedAt: clock.now() });
    },
  };
}
