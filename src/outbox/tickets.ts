/*
 * "This person's ticket went out" is known only from the outbox today: a ticket is sent once Telegram
 * accepted its delivery row. Its job key and the conditions that read it back live here, once, for
 * registrations (which queue tickets), segments, stats and scenarios (which ask whether one was sent).
 */

/** One job per version of a ticket's link, so a replaced link reaches the attendee again. */
export function ticketJobKey(answerId: string, version: number): string {
  return `ticket:${answerId}:v${version}`;
}

/**
 * A condition on `deliveries`: ticket messages Telegram accepted. The key range keeps SQLite on the
 * outbox's (job_key, telegram_id) index; `+status` stops it preferring the status index, which would
 * scan every sent message.
 */
export const SENT_TICKETS = "job_key >= 'ticket:' AND job_key < 'ticket;' AND +status = 'sent'";

/** The same condition for one answer, whose id is the named SQL parameter `answerParam` (e.g. "@answer"). */
export function sentTicketsOf(answerParam: string): string {
  return `job_key >= 'ticket:' || ${answerParam} || ':' AND job_key < 'ticket:' || ${answerParam} || ';' AND +status = 'sent'`;
}
