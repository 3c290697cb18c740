import type { Sqlite } from "../db/client.js";
import type { Language } from "../db/schema.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import { decisionFailedAlert } from "../messages/transactional.js";
import { createOutboxWriter } from "../outbox/outbox.js";
import { decisionOfJob } from "../outbox/tickets.js";
import type { Row } from "./engine-state.js";

/** The report's job: one per failed delivery row, so a report is queued once however often it is recorded. */
export function decisionFailedJobKey(deliveryId: number): string {
  return `decision-failed:${deliveryId}`;
}

/**
 * A ticket or a rejection that Telegram refused for good, or that the attendee's block of the bot (a
 * 403) stopped, would otherwise leave only a log line, and the attendee without their ticket in
 * Telegram: the organisers' chat is told, in the result recorder's
 * transaction (the failure and its report commit together). Broadcasts' failures are not reported
 * here: their report counts them.
 */
export function createDecisionFailureReports(deps: {
  sqlite: Sqlite;
  adminChatId: number | null;
  languageOf(telegramId: number): Language | undefined;
}) {
  const outbox = createOutboxWriter(deps.sqlite);
  return {
    /** Called inside the recorder's transaction for each row failed for good or blocked; true if a report was queued. */
    failed(row: Row, reason: string, now: number, blocked = false): boolean {
      if (deps.adminChatId === null || row.broadcast_id !== null) return false;
      const decision = decisionOfJob(row.job_key);
      if (!decision) return false;
      // An organiser's private chat may have a language; a group has none and gets the default.
      const language = deps.languageOf(deps.adminChatId) ?? DEFAULT_LANGUAGE;
      return outbox.enqueue(
        {
          jobKey: decisionFailedJobKey(row.id),
          telegramId: deps.adminChatId,
          lane: "transactional",
          message: decisionFailedAlert(language, { ...decision, reason, blocked }),
        },
        now,
      );
    },
  };
}
