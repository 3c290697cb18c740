import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { DELIVERY_STATUSES, type DeliveryLane, type DeliveryStatus, deliveries } from "../db/schema.js";
import type { OutgoingMessage } from "../messages/outgoing.js";

export interface DeliveryRequest {
  /** What this message is part of, e.g. `ticket:A1:v1`; one job reaches one person once. */
  jobKey: string;
  telegramId: number;
  lane: DeliveryLane;
  message: OutgoingMessage;
}

/**
 * Writes a delivery row (inside the caller's transaction when given one). Returns false when this
 * job already has a row for this person: queuing twice is a no-op, never a second message.
 */
export function enqueueDelivery(db: Pick<Db, "insert">, request: DeliveryRequest, now: number): boolean {
  const result = db
    .insert(deliveries)
    .values({
      jobKey: request.jobKey,
      telegramId: request.telegramId,
      lane: request.lane,
      payload: JSON.stringify(request.message),
      notBefore: now,
      createdAt: now,
    })
    .onConflictDoNothing()
    .run();
  return result.changes > 0;
}

export type DeliveryCounts = Record<DeliveryStatus, number>;

export function countDeliveries(db: Db, jobKeyPrefix?: string): DeliveryCounts {
  const rows = db
    .select({ status: deliveries.status, n: sql<number>`count(*)` })
    .from(deliveries)
    .where(jobKeyPrefix === undefined ? undefined : sql`${deliveries.jobKey} LIKE ${`${jobKeyPrefix}%`}`)
    .groupBy(deliveries.status)
    .all();
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as DeliveryCounts;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
