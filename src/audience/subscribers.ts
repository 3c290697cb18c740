import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { type SubscriberStatus, subscribers } from "../db/schema.js";
import { DEFAULT_LANGUAGE, type Language } from "../messages/language.js";

export interface StartResult {
  /** First time this Telegram ID opened the bot. */
  isNew: boolean;
}

/**
 * Someone pressed Start (or sent /start again): they are reachable, so they are active whatever
 * their status was. Only the Telegram ID and service data are written.
 */
export function recordStart(
  db: Db,
  input: { telegramId: number; language: Language; now: number },
): StartResult {
  return db.transaction((tx) => {
    const existing = tx
      .select({ status: subscribers.status })
      .from(subscribers)
      .where(eq(subscribers.telegramId, input.telegramId))
      .get();
    if (existing === undefined) {
      tx.insert(subscribers)
        .values({
          telegramId: input.telegramId,
          language: input.language,
          status: "active",
          firstSeenAt: input.now,
          lastSeenAt: input.now,
          statusChangedAt: input.now,
        })
        .run();
      return { isNew: true };
    }
    tx.update(subscribers)
      .set({
        language: input.language,
        lastSeenAt: input.now,
        status: "active",
        ...(existing.status === "active" ? {} : { statusChangedAt: input.now }),
      })
      .where(eq(subscribers.telegramId, input.telegramId))
      .run();
    return { isNew: false };
  });
}

export function countSubscribers(db: Db): number {
  const row = db.select({ n: sql<number>`count(*)` }).from(subscribers).get();
  return row?.n ?? 0;
}

export function languageOf(db: Db, telegramId: number): Language {
  const row = db
    .select({ language: subscribers.language })
    .from(subscribers)
    .where(eq(subscribers.telegramId, telegramId))
    .get();
  return row?.language ?? DEFAULT_LANGUAGE;
}

export function statusOf(db: Db, telegramId: number): SubscriberStatus | undefined {
  return db
    .select({ status: subscribers.status })
    .from(subscribers)
    .where(eq(subscribers.telegramId, telegramId))
    .get()?.status;
}

/**
 * The subscriber's own choice (/stop) or what Telegram tells us (blocked, unblocked). Returns whether
 * anything changed. An unknown Telegram ID is added, so a block before any /start is remembered too.
 */
export function setSubscriberStatus(
  db: Db,
  input: { telegramId: number; status: SubscriberStatus; now: number; onlyIf?: SubscriberStatus },
): boolean {
  return db.transaction((tx) => {
    const current = tx
      .select({ status: subscribers.status })
      .from(subscribers)
      .where(eq(subscribers.telegramId, input.telegramId))
      .get();
    if (current === undefined) {
      if (input.onlyIf !== undefined) return false;
      tx.insert(subscribers)
        .values({
          telegramId: input.telegramId,
          status: input.status,
          firstSeenAt: input.now,
          lastSeenAt: input.now,
          statusChangedAt: input.now,
        })
        .run();
      return true;
    }
    if (current.status === input.status) return false;
    if (input.onlyIf !== undefined && current.status !== input.onlyIf) return false;
    tx.update(subscribers)
      .set({ status: input.status, statusChangedAt: input.now })
      .where(eq(subscribers.telegramId, input.telegramId))
      .run();
    return true;
  });
}
