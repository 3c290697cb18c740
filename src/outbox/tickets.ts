/*
 * "This person's ticket went out" is stored once: `registrations.ticket_sent_at`, set when Telegram
 * first accepts a ticket's delivery row (a trigger on `deliveries`, migration 0008, in the statement
 * that records it). Its job key and the condition that reads the fact live here, for registrations
 * (which queue tickets), segments, stats and scenarios (which ask whether one was sent).
 */

/** The job keys of a decision begin with these: `ticket:<answer>:v<version>` and `rejection:<answer>`. */
const TICKET_JOB_PREFIX = "ticket:";
const REJECTION_JOB_PREFIX = "rejection:";

/** One job per version of a ticket's link, so a replaced link reaches the attendee again. */
export function ticketJobKey(answerId: string, version: number): string {
  return `${TICKET_JOB_PREFIX}${answerId}:v${version}`;
}

/** One rejection per answer: an answer is never bound to anyone else, so it is owed once. */
export function rejectionJobKey(answerId: string): string {
  return `${REJECTION_JOB_PREFIX}${answerId}`;
}

/** A condition on a `registrations` row (unqualified): Telegram accepted a ticket for it, of any version. */
export const TICKET_SENT = "ticket_sent_at IS NOT NULL";

// Answer ids are letters and digits (the webhooks' schema), so neither contains the separators.
const TICKET_JOB = new RegExp(`^${TICKET_JOB_PREFIX}([A-Za-z0-9]+):v(\\d+)$`);
const REJECTION_JOB = new RegExp(`^${REJECTION_JOB_PREFIX}([A-Za-z0-9]+)$`);

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

/** `job_key` (of `column`) starts with `prefix`, as a key range so the (job_key, telegram_id) index serves it. */
function keyRange(prefix: string, column: string): string {
  const after = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return `(${column} >= '${prefix}' AND ${column} < '${after}')`;
}

/** SQL over `deliveries` (`column` is its job_key) for the rows of tickets and rejections. */
export function decisionJobs(column = "job_key"): string {
  return `(${keyRange(TICKET_JOB_PREFIX, column)} OR ${keyRange(REJECTION_JOB_PREFIX, column)})`;
}

/**
 * SQL over a decision's delivery row (alias `d`): what it carries is still owed to the attendee. Not
 * so once a later delivery of the same job reached them, once the answer's decision changed, or, for a
 * ticket, once a newer link replaced it (that one's delivery speaks for itself). A row whose answer has
 * no registration is taken as owed.
 */
export function decisionStillOwed(d: string): string {
  const rest = `substr(${d}.job_key, instr(${d}.job_key, ':') + 1)`;
  const ticketAnswer = `substr(${rest}, 1, instr(${rest}, ':v') - 1)`;
  const ticketVersion = `CAST(substr(${rest}, instr(${rest}, ':v') + 2) AS INTEGER)`;
  return `(NOT EXISTS (SELECT 1 FROM deliveries later WHERE later.job_key = ${d}.job_key AND later.status = 'sent')
    AND CASE WHEN ${keyRange(TICKET_JOB_PREFIX, `${d}.job_key`)}
      THEN NOT EXISTS (SELECT 1 FROM registrations r WHERE r.answer_id = ${ticketAnswer}
        AND (r.moderation <> 'approved' OR r.ticket_version > ${ticketVersion}))
      ELSE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.answer_id = ${rest} AND r.moderation <> 'rejected')
    END)`;
}
