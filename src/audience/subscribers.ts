import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { subscribers } from "../db/schema.js";
import type { Language } from "../messages/language.js";

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
