/*
 * "This person's ticket went out" is stored once: `registrations.ticket_sent_at`, set when Telegram
 * first accepts a ticket's delivery row (a trigger on `deliveries`, migration 0008, in the statement
 * that records it). Its job key and the condition that reads the fact live here, for registrations
 * (which queue tickets), segments, stats and scenarios (which ask whether one was sent).
 */

/** One job per version of a ticket's link, so a replaced link reaches the attendee again. */
export function ticketJobKey(answerId: string, version: number): string {
  return `ticket:${answerId}:v${version}`;
}

/** A condition on a `registrations` row (unqualified): Telegram accepted a ticket for it, of any version. */
export const TICKET_SENT = "ticket_sent_at IS NOT NULL";

const TICKET_JOB = /^ticket:([A-Za-z0-9]+):v(\d+)$/;
// registration-rows.ts queues a rejection under `rejection:<answer>` (test/http/ticket-url.test.ts holds both to this).
const REJECTION_JOB = /^rejection:([A-Za-z0-9]+)$/;

/** What a decision owes an attendee: a ticket (one per link version) or the rejection. */
export type DecisionKind = "ticket" | "rejection";

/** The answer and kind behind a ticket's or a rejection's job key; `undefined` for any other job. */
export function decisionOfJob(jobKey: string): { answerId: string; kind: DecisionKind } | undefined {
  const ticket = TICKET_JOB.exec(jobKey);
  if (ticket?.[1] !== undefined) return { answerId: ticket[1], kind: "ticket" };
  const rejection = REJECTION_JOB.exec(jobKey);
  if (rejection?.[1] !== undefined) return { answerId: rejection[1], kind: "rejection" };
  return undefined;
}

/**
 * SQL over `deliveries` (unqualified) for the rows of tickets and rejections, as key ranges so the
 * (job_key, telegram_id) index finds them among a broadcast's many rows. Keep in step with decisionOfJob.
 */
export const DECISION_JOBS =
  "((job_key >= 'ticket:' AND job_key < 'ticket;') OR (job_key >= 'rejection:' AND job_key < 'rejection;'))";
