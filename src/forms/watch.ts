import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { formWatches, type Language } from "../db/schema.js";
import { type FormReport, formReportMessage } from "../messages/form-report.js";
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
export function reportToWatchers(
  db: Pick<Db, "select" | "delete" | "insert">,
  report: FormReport,
  now: number,
): number {
  db.delete(formWatches)
    .where(lte(formWatches.createdAt, now - WATCH_TTL_MS))
    .run();
  const open = db
    .select()
    .from(formWatches)
    .where(and(eq(formWatches.provider, report.provider), gt(formWatches.createdAt, now - WATCH_TTL_MS)))
    .all();
  let queued = 0;
  for (const watch of open) {
    const added = enqueueDelivery(
      db,
      {
        jobKey: `form-test:${watch.id}`,
        telegramId: watch.chatId,
        lane: "transactional",
        message: formReportMessage(watch.language, report),
      },
      now,
    );
    if (added) queued++;
    db.delete(formWatches).where(eq(formWatches.id, watch.id)).run();
  }
  return queued;
}
