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
