import { eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { bindConflicts, type ModerationState, registrations } from "../db/schema.js";
import { bindConflictAlert, rejectionMessage, ticketMessage } from "../messages/transactional.js";
import { enqueueDelivery } from "../outbox/outbox.js";
import { rejectionJobKey, ticketJobKey } from "../outbox/tickets.js";
import { languageOf } from "./subscribers.js";

/* The steps of registrations.ts, each inside the caller's (synchronous) transaction. */

export type Registration = typeof registrations.$inferSelect;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export type BindOutcome = "bound" | "already_bound" | "conflict";

export interface RegistrationView {
  answerId: string;
  bound: boolean;
  moderation: ModerationState;
  ticketVersion: number;
  completed: boolean;
}

function find(tx: Tx, answerId: string): Registration | undefined {
  return tx.select().from(registrations).where(eq(registrations.answerId, answerId)).get();
}

/** The row for an answer, created if this is the first we hear of it. */
export function ensureRegistration(
  tx: Tx,
  answerId: string,
  now: number,
): { row: Registration; created: boolean } {
  const existing = find(tx, answerId);
  if (existing) return { row: existing, created: false };
  const row = tx.insert(registrations).values({ answerId, createdAt: now, updatedAt: now }).returning().get();
  return { row, created: true };
}

/** Queues what a bound attendee is owed: the current ticket, or the rejection. Returns whether a row was added. */
export function queueDecision(tx: Tx, row: Registration, now: number): boolean {
  if (row.telegramId === null) return false;
  const language = languageOf(tx, row.telegramId);
  if (row.moderation === "approved" && row.ticketUrl !== null) {
    return enqueueDelivery(
      tx,
      {
        jobKey: ticketJobKey(row.answerId, row.ticketVersion),
        telegramId: row.telegramId,
        lane: "transactional",
        message: ticketMessage(language, {
          answerId: row.answerId,
          ticketUrl: row.ticketUrl,
          replaced: row.ticketVersion > 1,
        }),
      },
      now,
    );
  }
  if (row.moderation === "rejected") {
    return enqueueDelivery(
      tx,
      {
        jobKey: rejectionJobKey(row.answerId),
        telegramId: row.telegramId,
        lane: "transactional",
        message: rejectionMessage(language, { answerId: row.answerId, note: row.rejectionNote }),
      },
      now,
    );
  }
  return false;
}

/**
 * Binds an answer to the Telegram ID that opened its link, unless another holds it (a conflict,
 * reported to the organisers' chat if there is one); binding queues what the attendee is owed.
 */
export function bindAnswer(
  tx: Tx,
  row: Registration,
  telegramId: number,
  now: number,
  adminChatId: number | null | undefined,
): { outcome: BindOutcome; row: Registration; queued: boolean } {
  if (row.telegramId === telegramId) return { outcome: "already_bound", row, queued: false };
  if (row.telegramId !== null) {
    const conflict = tx
      .insert(bindConflicts)
      .values({ answerId: row.answerId, telegramId, at: now })
      .returning({ id: bindConflicts.id })
      .get();
    const alerted =
      adminChatId != null &&
      enqueueDelivery(
        tx,
        {
          jobKey: `bind-conflict:${conflict.id}`,
          telegramId: adminChatId,
          lane: "transactional",
          message: bindConflictAlert({ answerId: row.answerId, telegramId, ownerId: row.telegramId }),
        },
        now,
      );
    return { outcome: "conflict", row, queued: alerted };
  }
  const bound = tx
    .update(registrations)
    .set({ telegramId, boundAt: now, updatedAt: now })
    .where(eq(registrations.answerId, row.answerId))
    .returning()
    .get();
  return { outcome: "bound", row: bound, queued: queueDecision(tx, bound, now) };
}

export function registrationView(row: Registration): RegistrationView {
  return {
    answerId: row.answerId,
    bound: row.telegramId !== null,
    moderation: row.moderation,
    ticketVersion: row.ticketVersion,
    completed: row.completedAt !== null,
  };
}
