import { sql } from "drizzle-orm";
import type { Db, Sqlite, Statement } from "../db/client.js";
import { DELIVERY_STATUSES, type DeliveryLane, type DeliveryStatus, deliveries } from "../db/schema.js";
import type { OutgoingMessage } from "../messages/outgoing.js";

/*
 * The outbox: the only code that writes `deliveries` rows. It sits below audience/, scenarios/ and
 * delivery/ (it needs only the schema and the message type), so each of them enqueues through it and
 * every row has the same shape: a unique (job, recipient) key, a lane, and a time it may go out.
 */

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

export interface OutboxWriter {
  /** enqueueDelivery on a statement prepared once, for loops that queue thousands (in the caller's transaction). */
  enqueue(request: DeliveryRequest, now: number): boolean;
  /** Many rows in one transaction; returns how many were new. */
  enqueueAll(requests: readonly DeliveryRequest[], now: number): number;
}

/** The hot-path form of enqueueDelivery: same row, same conflict rule, no query building per row. */
export function createOutboxWriter(sqlite: Sqlite): OutboxWriter {
  const insert = sqlite.prepare(
    `INSERT INTO deliveries (job_key, telegram_id, lane, payload, not_before, created_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const enqueue = (request: DeliveryRequest, now: number) =>
    insert.run(request.jobKey, request.telegramId, request.lane, JSON.stringify(request.message), now, now)
      .changes > 0;
  const enqueueAll = sqlite.transaction((requests: readonly DeliveryRequest[], now: number) => {
    let added = 0;
    for (const request of requests) if (enqueue(request, now)) added++;
    return added;
  });
  return { enqueue, enqueueAll: (requests, now) => enqueueAll(requests, now) };
}

/**
 * The INSERT…SELECT that queues the next batch of a broadcast's audience, given the audience's
 * WHERE clause over `subscribers`. One row per subscriber under job `broadcast:<id>` in the bulk
 * lane, without a payload (a broadcast is rendered at send time), in telegram_id order after the
 * cursor. Named parameters: @id (the broadcast), @now, @cursor, @limit, and the clause's own.
 */
export function broadcastAudienceInsertSql(where: string): string {
  return `INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, not_before, created_at)
           SELECT 'broadcast:' || @id, telegram_id, 'bulk', @id, @now, @now FROM subscribers
           WHERE ${where} AND telegram_id > @cursor ORDER BY telegram_id LIMIT @limit
           ON CONFLICT DO NOTHING`;
}

export function prepareBroadcastAudienceInsert(sqlite: Sqlite, where: string): Statement {
  return sqlite.prepare(broadcastAudienceInsertSql(where));
}

export interface SentDeliveryRecord {
  jobKey: string;
  telegramId: number;
  lane: DeliveryLane;
  message: OutgoingMessage;
  createdAt: number;
  sentAt: number;
  messageId: number;
}

/**
 * A row for a message that already went out (one attempt, sent): history written after the fact,
 * as the scenario benchmark does to give its people a past. Never used for something still to send.
 */
export function prepareSentDeliveryRecord(sqlite: Sqlite): (record: SentDeliveryRecord) => void {
  const insert = sqlite.prepare(
    `INSERT INTO deliveries (job_key, telegram_id, lane, payload, status, attempts, not_before, created_at,
       sent_at, message_id)
     VALUES (?, ?, ?, ?, 'sent', 1, ?, ?, ?, ?)`,
  );
  return (record) => {
    insert.run(
      record.jobKey,
      record.telegramId,
      record.lane,
      JSON.stringify(record.message),
      record.createdAt,
      record.createdAt,
      record.sentAt,
      record.messageId,
    );
  };
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
