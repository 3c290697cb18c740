import type { Sqlite } from "../db/client.js";

export interface FailureReason {
  error: string;
  count: number;
}

/** Why deliveries of a broadcast failed, the most common reason first. */
export function failureReasons(sqlite: Sqlite, broadcastId: number, limit = 5): FailureReason[] {
  return sqlite
    .prepare(
      `SELECT coalesce(error, 'unknown') AS error, count(*) AS count FROM deliveries
       WHERE broadcast_id = ? AND status = 'failed' GROUP BY error ORDER BY count DESC LIMIT ?`,
    )
    .all(broadcastId, limit) as FailureReason[];
}

/** Deliveries an organiser's cancel stopped before they went. */
export function countCancelled(sqlite: Sqlite, broadcastId: number): number {
  return (
    sqlite
      .prepare("SELECT count(*) AS n FROM deliveries WHERE broadcast_id = ? AND status = 'cancelled'")
      .get(broadcastId) as { n: number }
  ).n;
}

const CSV_HEADER = "telegram_id,answer_id,status,error,sent_at";

/**
 * One row per recipient: Telegram ID, answer number, status, error, sent at (UTC, ISO 8601). Only
 * ids and service data, like everything Herald keeps.
 */
export function broadcastCsv(sqlite: Sqlite, broadcastId: number): string {
  const rows = sqlite
    .prepare(
      `SELECT d.telegram_id, d.status, d.error, d.sent_at,
         (SELECT answer_id FROM registrations r WHERE r.telegram_id = d.telegram_id
          ORDER BY bound_at DESC LIMIT 1) AS answer_id
       FROM deliveries d WHERE d.broadcast_id = ? ORDER BY d.id`,
    )
    .iterate(broadcastId) as IterableIterator<{
    telegram_id: number;
    status: string;
    error: string | null;
    sent_at: number | null;
    answer_id: string | null;
  }>;
  const lines = [CSV_HEADER];
  for (const row of rows) {
    lines.push(
      [
        String(row.telegram_id),
        row.answer_id ?? "",
        row.status,
        csvField(row.error ?? ""),
        row.sent_at === null ? "" : new Date(row.sent_at).toISOString(),
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
