import type { Sqlite } from "../db/client.js";
import { TICKET_SENT } from "../outbox/tickets.js";

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
}

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
  return { subscribers, registrations: figures, ticketsSent };
}
