import type { Sqlite } from "../db/client.js";
import { reasonForOrganisers } from "../messages/transactional.js";
import {
  type DecisionKind,
  decisionJobs,
  decisionOfJob,
  decisionStillOwed,
  TICKET_SENT,
} from "../outbox/tickets.js";

export interface Stats {
  subscribers: { active: number; blocked: number; unsubscribed: number };
  registrations: {
    total: number;
    bound: number;
    pending: number;
    approved: number;
    rejected: number;
    completed: number;
  };
  /** Registrations whose ticket Telegram accepted (a replaced link sent again still counts once). */
  ticketsSent: number;
  /** Tickets and rejections Telegram refused for good or the attendee blocked, still owed to them; the latest few first. */
  decisionsFailed: { count: number; latest: FailedDecision[] };
}

export interface FailedDecision {
  answerId: string;
  kind: DecisionKind;
  /** The attendee blocked the bot (Telegram's 403): they will not get it through Telegram until they unblock it. */
  blocked: boolean;
  /** Telegram's reason, as recorded on the delivery, without the links it quotes (reasonForOrganisers). */
  reason: string;
}

/** How many of the latest failures /stats lists. */
export const LATEST_FAILED_DECISIONS = 5;

/** The whole picture in a few aggregate queries (each one index or table scan). */
export function collectStats(sqlite: Sqlite): Stats {
  const subscribers = { active: 0, blocked: 0, unsubscribed: 0 };
  const byStatus = sqlite
    .prepare("SELECT status, count(*) AS n FROM subscribers GROUP BY status")
    .all() as Array<{ status: keyof Stats["subscribers"]; n: number }>;
  for (const { status, n } of byStatus) subscribers[status] = n;
  const registrations = sqlite
    .prepare(
      `SELECT count(*) AS total,
         count(telegram_id) AS bound,
         coalesce(sum(moderation = 'pending'), 0) AS pending,
         coalesce(sum(moderation = 'approved'), 0) AS approved,
         coalesce(sum(moderation = 'rejected'), 0) AS rejected,
         count(completed_at) AS completed,
         coalesce(sum(${TICKET_SENT}), 0) AS ticketsSent
       FROM registrations`,
    )
    .get() as Stats["registrations"] & { ticketsSent: number };
  const { ticketsSent, ...figures } = registrations;
  return { subscribers, registrations: figures, ticketsSent, decisionsFailed: failedDecisions(sqlite) };
}

function failedDecisions(sqlite: Sqlite): Stats["decisionsFailed"] {
  // Each line is an attendee still without their ticket or answer: a failure that a later delivery
  // (a replaced link, a changed decision) made good is history, not something to act on.
  const where = `d.status IN ('failed', 'blocked') AND ${decisionJobs("d.job_key")} AND ${decisionStillOwed("d")}`;
  const { count } = sqlite.prepare(`SELECT count(*) AS count FROM deliveries d WHERE ${where}`).get() as {
    count: number;
  };
  const rows = sqlite
    .prepare(
      `SELECT d.job_key, d.status, d.error FROM deliveries d WHERE ${where} ORDER BY d.id DESC LIMIT ?`,
    )
    .all(LATEST_FAILED_DECISIONS) as Array<{ job_key: string; status: string; error: string | null }>;
  const latest = rows.flatMap((row) => {
    const decision = decisionOfJob(row.job_key);
    if (!decision) return [];
    return [{ ...decision, blocked: row.status === "blocked", reason: reasonForOrganisers(row.error ?? "") }];
  });
  return { count, latest };
}
