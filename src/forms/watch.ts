import { createHash } from "node:crypto";
import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { formWatches, type Language } from "../db/schema.js";
import {
  type FormRefusalReport,
  type FormReport,
  formRefusalMessage,
  formReportMessage,
} from "../messages/form-report.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import { enqueueDelivery } from "../outbox/outbox.js";
import type { FormProvider } from "./providers.js";

/** A watch no longer counts an hour after it was opened: the organiser has moved on. */
export const WATCH_TTL_MS = 60 * 60 * 1000;

/**
 * The cockpit's "send a test submission now": the next accepted submission from this provider is
 * reported to this chat. Opening a watch replaces the chat's open watch for the same provider.
 */
export function watchForTestSubmission(
  db: Db,
  input: { provider: FormProvider; chatId: number; language: Language; now: number },
): void {
  db.transaction((tx) => {
    tx.delete(formWatches)
      .where(and(eq(formWatches.chatId, input.chatId), eq(formWatches.provider, input.provider)))
      .run();
    tx.insert(formWatches)
      .values({
        provider: input.provider,
        chatId: input.chatId,
        language: input.language,
        createdAt: input.now,
      })
      .run();
  });
}

/**
 * Inside the transaction that accepted a submission: queues the report to every chat watching this
 * provider, closes those watches and drops expired ones. Returns how many reports were queued.
 */
export function reportToWatchers(db: WatchDb, report: FormReport, now: number): number {
  db.delete(formWatches)
    .where(lte(formWatches.createdAt, now - WATCH_TTL_MS))
    .run();
  return queueToWatchers(db, report.provider, now, (watch) => {
    db.delete(formWatches).where(eq(formWatches.id, watch.id)).run();
    return { jobKey: `form-test:${watch.id}`, message: formReportMessage(watch.language, report) };
  });
}

/**
 * A submission the organiser is waiting for was refused: tell the watching chats why (the reason
 * names fields and settings, never a value) and keep watching, so the fixed form's next submission
 * is reported too. One report per watch and reason, however often the builder retries.
 */
export function reportRefusalToWatchers(db: Db, report: FormRefusalReport, now: number): number {
  const reason = createHash("sha256").update(`${report.error}\n${report.message}`).digest("hex").slice(0, 16);
  return db.transaction((tx) =>
    queueToWatchers(tx, report.provider, now, (watch) => ({
      jobKey: `form-refused:${watch.id}:${reason}`,
      message: formRefusalMessage(watch.language, report),
    })),
  );
}

type WatchDb = Pick<Db, "select" | "delete" | "insert">;
type Watch = typeof formWatches.$inferSelect;

/** Queues one message to each chat with an open watch on this provider; returns how many were new. */
function queueToWatchers(
  db: WatchDb,
  provider: FormProvider,
  now: number,
  messageFor: (watch: Watch) => { jobKey: string; message: OutgoingMessage },
): number {
  const open = db
    .select()
    .from(formWatches)
    .where(and(eq(formWatches.provider, provider), gt(formWatches.createdAt, now - WATCH_TTL_MS)))
    .all();
  let queued = 0;
  for (const watch of open) {
    const { jobKey, message } = messageFor(watch);
    const request = { jobKey, telegramId: watch.chatId, lane: "transactional" as const, message };
    if (enqueueDelivery(db, request, now)) queued++;
  }
  return queued;
}
