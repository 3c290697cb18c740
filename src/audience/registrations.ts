import { eq, sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { registrations } from "../db/schema.js";
import { DomainError } from "../errors.js";
import { buttonUrlProblem } from "../messages/telegram-url.js";
import { linkedMessage } from "../messages/transactional.js";
import { enqueueDelivery } from "../outbox/outbox.js";
import { assertNoPersonalData } from "./personal-data.js";
import {
  type BindOutcome,
  bindAnswer,
  ensureRegistration,
  queueDecision,
  type RegistrationView,
  registrationView,
  type Tx,
} from "./registration-rows.js";
import { languageOf } from "./subscribers.js";

export type { BindOutcome, RegistrationView };

/** The longest attribute value Herald keeps, at every door that takes attributes with a submission. */
export const MAX_ATTRIBUTE_LENGTH = 500;

/** A binding just made: which answer, to whom, and when (its bound_at). */
export interface BindingMade {
  answerId: string;
  telegramId: number;
  now: number;
}

export class TicketConflictError extends DomainError {
  override readonly name = "TicketConflictError";
  readonly code = "ticket_conflict";
  constructor(answerId: string) {
    super(
      `answer ${answerId} already has a different ticket link; send "replace": true to replace it (the attendee is told)`,
    );
  }
}

export class InvalidTicketUrlError extends DomainError {
  override readonly name = "InvalidTicketUrlError";
  readonly code = "ticket_url_invalid";
  constructor(problem: string) {
    super(`body/ticket_url ${problem}: Telegram would refuse it on the ticket's button`);
  }
}

export class MissingTicketUrlError extends DomainError {
  override readonly name = "MissingTicketUrlError";
  readonly code = "ticket_url_required";
  constructor() {
    super('body/ticket_url is required when decision is "approved"');
  }
}

/** Is a transaction open on the connection (drizzle's better-sqlite3 database carries its client)? */
function inTransaction(db: Db): boolean {
  return (db as Db & { $client?: { inTransaction?: boolean } }).$client?.inTransaction === true;
}

/** What became of the message the decision owes the attendee. */
export type DecisionDelivery = "queued" | "held_until_bound" | "unchanged";

export interface Registrations {
  /**
   * The form site reports a new or edited answer; with a verified reference it also binds. `queued`:
   * something was queued for the sender (who is woken here, unless a caller's transaction is open).
   */
  recordSubmission(input: { answerId: string; attributes?: Record<string, string>; telegramId?: number }): {
    created: boolean;
    binding: BindOutcome | null;
    queued: boolean;
  };
  /** The attendee opened their deep link. */
  bind(input: { answerId: string; telegramId: number }): {
    outcome: BindOutcome;
    registration: RegistrationView;
  };
  recordCompletion(input: { answerId: string }): { alreadyCompleted: boolean };
  recordModeration(input: {
    answerId: string;
    decision: "approved" | "rejected";
    ticketUrl?: string;
    note?: string;
    replace?: boolean;
  }): { delivery: DecisionDelivery; ticketVersion: number; queued: boolean };
  ofTelegramId(telegramId: number): RegistrationView[];
}

type ModerationInput = Parameters<Registrations["recordModeration"]>[0];

/** Records a decision (a new ticket link is a new version) and queues what the attendee is owed. */
function moderate(
  tx: Tx,
  input: ModerationInput,
  now: number,
): { result: { delivery: DecisionDelivery; ticketVersion: number }; queued: boolean } {
  const { row } = ensureRegistration(tx, input.answerId, now);
  let ticketVersion = row.ticketVersion;
  let ticketUrl = row.ticketUrl;
  if (input.decision === "approved" && input.ticketUrl !== undefined && input.ticketUrl !== row.ticketUrl) {
    if (row.ticketUrl !== null && !input.replace) throw new TicketConflictError(row.answerId);
    ticketUrl = input.ticketUrl;
    ticketVersion += 1;
  }
  const updated = tx
    .update(registrations)
    .set({
      moderation: input.decision,
      moderatedAt: now,
      updatedAt: now,
      ticketUrl,
      ticketVersion,
      rejectionNote: input.decision === "rejected" ? (input.note ?? null) : row.rejectionNote,
    })
    .where(eq(registrations.answerId, row.answerId))
    .returning()
    .get();
  const added = queueDecision(tx, updated, now);
  const delivery: DecisionDelivery =
    updated.telegramId === null ? "held_until_bound" : added ? "queued" : "unchanged";
  return { result: { delivery, ticketVersion }, queued: added };
}

/**
 * Registrations and everything that follows from them: binding answers to Telegram IDs (never
 * re-binding one to someone else), moderation, and queuing tickets and decisions in the outbox.
 * One Telegram ID may hold several answers: a person may register a colleague from their own account.
 */
export function createRegistrations(deps: {
  db: Db;
  clock: Clock;
  /** Where bind conflicts are reported to the organisers, if they have a chat. */
  adminChatId?: number | null;
  onQueued?: () => void;
  /**
   * An answer was just bound, inside the binding's transaction: what else follows at once (the wiring
   * enrols it in the scenarios, so the welcome is queued with the binding rather than at the next
   * tick). Returns whether it queued a delivery. Injected: audience/ does not know scenarios/.
   */
  onBound?: (tx: Tx, binding: BindingMade) => boolean;
}): Registrations {
  const { db, clock } = deps;

  // Called inside a caller's transaction (a webhook's answerOnce), the rows are not committed yet and
  // may still roll back: the sender must not claim them now. The caller wakes it after its commit.
  const afterCommit = <T>(result: T, queued: boolean): T & { queued: boolean } => {
    if (queued && !inTransaction(db)) deps.onQueued?.();
    return { ...result, queued };
  };

  return {
    recordSubmission(input) {
      // Every door checks first and names the field its own way; this is the floor under all of them.
      if (input.attributes !== undefined) assertNoPersonalData(input.attributes);
      const now = clock.now();
      const { result, queued } = db.transaction((tx) => {
        const { row, created } = ensureRegistration(tx, input.answerId, now);
        const updated = tx
          .update(registrations)
          .set({
            submittedAt: now,
            updatedAt: now,
            ...(input.attributes ? { attributes: JSON.stringify(input.attributes) } : {}),
          })
          .where(eq(registrations.answerId, row.answerId))
          .returning()
          .get();
        if (input.telegramId === undefined) return { result: { created, binding: null }, queued: false };
        const bound = bindAnswer(tx, updated, input.telegramId, now, deps.adminChatId);
        // Bot first: the attendee filled the form outside Telegram; tell them it arrived.
        const told =
          bound.outcome === "bound" &&
          enqueueDelivery(
            tx,
            {
              jobKey: `linked:${row.answerId}`,
              telegramId: input.telegramId,
              lane: "transactional",
              message: linkedMessage(languageOf(tx, input.telegramId), { answerId: row.answerId }),
            },
            now,
          );
        const followed =
          bound.outcome === "bound" &&
          (deps.onBound?.(tx, { answerId: row.answerId, telegramId: input.telegramId, now }) ?? false);
        return { result: { created, binding: bound.outcome }, queued: bound.queued || told || followed };
      });
      return afterCommit(result, queued);
    },

    bind(input) {
      const now = clock.now();
      // No wake-up here: the attendee is answered first ("linked"), and the ticket and the welcome
      // this binding queued follow on the sender's next round (it claims due rows every 100 ms).
      // Woken now, the sender would put them on the wire ahead of that answer.
      const { outcome, row } = db.transaction((tx) => {
        const bound = bindAnswer(
          tx,
          ensureRegistration(tx, input.answerId, now).row,
          input.telegramId,
          now,
          deps.adminChatId,
        );
        if (bound.outcome === "bound") {
          deps.onBound?.(tx, { answerId: bound.row.answerId, telegramId: input.telegramId, now });
        }
        return bound;
      });
      return { outcome, registration: registrationView(row) };
    },

    recordCompletion(input) {
      const now = clock.now();
      return db.transaction((tx) => {
        const { row } = ensureRegistration(tx, input.answerId, now);
        if (row.completedAt !== null) return { alreadyCompleted: true };
        tx.update(registrations)
          .set({ completedAt: now, updatedAt: now })
          .where(eq(registrations.answerId, row.answerId))
          .run();
        return { alreadyCompleted: false };
      });
    },

    recordModeration(input) {
      if (input.decision === "approved" && !input.ticketUrl) throw new MissingTicketUrlError();
      // Checked even with a rejection, where it is unused: a sender who passes a broken link should hear so.
      const problem = input.ticketUrl === undefined ? undefined : buttonUrlProblem(input.ticketUrl);
      if (problem !== undefined) throw new InvalidTicketUrlError(problem);
      const now = clock.now();
      const { result, queued } = db.transaction((tx) => moderate(tx, input, now));
      return afterCommit(result, queued);
    },

    ofTelegramId(telegramId) {
      return db
        .select()
        .from(registrations)
        .where(eq(registrations.telegramId, telegramId))
        .orderBy(sql`${registrations.boundAt}`)
        .all()
        .map(registrationView);
    },
  };
}
