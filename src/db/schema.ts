import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const SUBSCRIBER_STATUSES = ["active", "blocked", "unsubscribed"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Everyone who has opened the bot. Only the Telegram ID and service data: names, usernames and
 * phones that Telegram sends are never stored.
 */
export const subscribers = sqliteTable(
  "subscribers",
  {
    telegramId: integer("telegram_id").primaryKey(),
    language: text("language", { enum: LANGUAGES }).notNull().default("ru"),
    status: text("status", { enum: SUBSCRIBER_STATUSES }).notNull().default("active"),
    /** Unix milliseconds. */
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    statusChangedAt: integer("status_changed_at").notNull(),
  },
  (table) => [index("subscribers_status_idx").on(table.status)],
);
