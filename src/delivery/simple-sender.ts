import { and, asc, eq, lte, sql } from "drizzle-orm";
import { type Api, GrammyError, HttpError } from "grammy";
import { setSubscriberStatus } from "../audience/subscribers.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { deliveries } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { OutgoingMessage } from "../messages/outgoing.js";

/**
 * A plain one-at-a-time sender for the outbox, paced at the configured rate, until the delivery
 * engine (pacer, lanes in parallel, batching) replaces it. It already keeps the engine's promises
 * that matter for tickets: transactional rows first, a 429 stops all sending for retry_after,
 * 403 marks the subscriber blocked and is never retried, other 4xx fail for good, 5xx and
 * network errors retry with backoff a bounded number of times, and rows left "sending" by a
 * crash are sent again at start (the only way a message can arrive twice).
 */
export interface Sender {
  start(): void;
  /** Something was queued: look now rather than at the next tick. */
  wake(): void;
  /** Waits for the send in flight, then stops. */
  stop(): Promise<void>;
}

export const MAX_ATTEMPTS = 5;
const IDLE_POLL_MS = 1000;

export function createSimpleSender(deps: {
  db: Db;
  api: Api;
  clock: Clock;
  logger: Logger;
  ratePerSecond: number;
}): Sender {
  const { db, api, clock } = deps;
  const logger = deps.logger.child({ part: "sender" });
  const spacingMs = 1000 / deps.ratePerSecond;
  let running = false;
  let loop: Promise<void> | undefined;
  /** Ends the current pause; `idle` says whether new work may end it (pacing and 429 waits may not). */
  let current: { end(): void; idle: boolean } | undefined;
  let closedUntil = 0;

  const nextDue = () =>
    db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.status, "pending"), lte(deliveries.notBefore, clock.now())))
      .orderBy(sql`${deliveries.lane} = 'transactional' DESC`, asc(deliveries.id))
      .limit(1)
      .get();

  const finish = (id: number, values: Partial<typeof deliveries.$inferInsert>) =>
    db.update(deliveries).set(values).where(eq(deliveries.id, id)).run();

  const pause = (ms: number, idle = false) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(end, ms);
      function end() {
        clearTimeout(timer);
        current = undefined;
        resolve();
      }
      current = { end, idle };
    });

  async function sendOne(row: typeof deliveries.$inferSelect): Promise<void> {
    finish(row.id, { status: "sending", attempts: row.attempts + 1 });
    const message = JSON.parse(row.payload) as OutgoingMessage;
    try {
      const sent = await api.sendMessage(row.telegramId, message.html, {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(message.silent ? { disable_notification: true } : {}),
        ...(message.buttons ? { reply_markup: { inline_keyboard: message.buttons } } : {}),
      });
      finish(row.id, { status: "sent", sentAt: clock.now(), messageId: sent.message_id, error: null });
    } catch (error) {
      handleFailure(row, error);
    }
  }

  function handleFailure(row: typeof deliveries.$inferSelect, error: unknown) {
    const now = clock.now();
    const attempts = row.attempts + 1;
    if (error instanceof GrammyError && error.error_code === 429) {
      const waitMs = (error.parameters.retry_after ?? 1) * 1000;
      closedUntil = Math.max(closedUntil, now + waitMs);
      // A 429 is Telegram's pacing, not the message's fault: it does not use up an attempt.
      finish(row.id, { status: "pending", attempts: row.attempts, notBefore: now + waitMs });
      logger.warn({ retryAfterS: waitMs / 1000 }, "flood limit: all sending paused");
      return;
    }
    if (error instanceof GrammyError && error.error_code === 403) {
      finish(row.id, { status: "blocked", error: error.description });
      // Positive IDs are people; a group (the organisers' chat) is not a subscriber.
      if (row.telegramId > 0) setSubscriberStatus(db, { telegramId: row.telegramId, status: "blocked", now });
      logger.info({ chat_id: row.telegramId, job: row.jobKey }, "recipient blocked the bot");
      return;
    }
    const retryable = error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
    const description = error instanceof GrammyError ? error.description : String(error);
    if (retryable && attempts < MAX_ATTEMPTS) {
      finish(row.id, { status: "pending", notBefore: now + 2 ** attempts * 1000, error: description });
      logger.warn({ job: row.jobKey, attempts, err: description }, "send failed, will retry");
      return;
    }
    finish(row.id, { status: "failed", error: description });
    logger.error({ job: row.jobKey, chat_id: row.telegramId, err: description }, "send failed for good");
  }

  async function run() {
    while (running) {
      const wait = closedUntil - clock.now();
      if (wait > 0) {
        await pause(wait);
        continue;
      }
      const row = nextDue();
      if (!row) {
        await pause(IDLE_POLL_MS, true);
        continue;
      }
      const started = clock.now();
      await sendOne(row);
      const rest = spacingMs - (clock.now() - started);
      if (rest > 0 && running) await pause(rest);
    }
  }

  return {
    start() {
      if (running) return;
      const requeued = db
        .update(deliveries)
        .set({ status: "pending" })
        .where(eq(deliveries.status, "sending"))
        .run().changes;
      if (requeued > 0) logger.warn({ requeued }, "deliveries interrupted by a stop are sent again");
      running = true;
      loop = run().catch((error: unknown) => logger.fatal({ err: error }, "sender stopped"));
    },
    wake() {
      if (current?.idle) current.end();
    },
    async stop() {
      running = false;
      current?.end();
      await loop;
    },
  };
}
