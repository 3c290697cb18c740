import { type Api, InputFile } from "grammy";
import type { Clock } from "../clock.js";
import type { Sqlite } from "../db/client.js";
import type { Broadcast, Broadcasts } from "../delivery/broadcasts.js";
import { broadcastCsv, countCancelled, failureReasons } from "../delivery/report.js";
import type { Logger } from "../logger.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import { describeError } from "./describe-error.js";
import { messagesFor } from "./locales/index.js";
import { reportText } from "./progress-view.js";

/** A report that Telegram refused is tried again after this (not every poll). */
const RETRY_MS = 30_000;

/**
 * The report of a finished broadcast and its CSV, in the chat that watched it. Each part is marked
 * once it went: what failed (a 429, the network, a stop) is tried again, and only that.
 */
export function createReporter(deps: {
  api: () => Api;
  sqlite: Sqlite;
  broadcasts: Pick<Broadcasts, "markReported" | "markCsvSent">;
  clock: Clock;
  logger: Logger;
  find(id: number): Broadcast | undefined;
  /** Posts the progress message a crash cut off; the report replies to it. */
  post(broadcastId: number): Promise<boolean>;
  /** Shows the final state at the chat's next slot; the report need not wait for it. */
  requestEdit(broadcastId: number): void;
}): (unreported: Broadcast) => Promise<void> {
  const { clock, logger } = deps;
  const retryAt = new Map<number, number>();

  return async function report(unreported) {
    if ((retryAt.get(unreported.id) ?? 0) > clock.now()) return;
    // A launch that a crash cut off before its progress message: the report follows one all the same.
    if (unreported.progressMessageId === null) await deps.post(unreported.id);
    const row = deps.find(unreported.id) ?? unreported;
    const chatId = row.progressChatId as number;
    const language = row.progressLanguage ?? DEFAULT_LANGUAGE;
    deps.requestEdit(row.id);
    const text = reportText(row, language, {
      cancelled: countCancelled(deps.sqlite, row.id),
      reasons: failureReasons(deps.sqlite, row.id),
    });
    try {
      if (row.reportedAt === null) {
        await deps.api().sendMessage(chatId, text, {
          ...(row.progressMessageId !== null
            ? { reply_parameters: { message_id: row.progressMessageId, allow_sending_without_reply: true } }
            : {}),
        });
        deps.broadcasts.markReported(row.id);
      }
      const csv = broadcastCsv(deps.sqlite, row.id);
      await deps
        .api()
        .sendDocument(chatId, new InputFile(Buffer.from(csv, "utf8"), `broadcast-${row.id}.csv`), {
          caption: messagesFor(language).reportCsv,
        });
      deps.broadcasts.markCsvSent(row.id);
      retryAt.delete(row.id);
      logger.info({ broadcast: row.id }, "report sent to the admin chat");
    } catch (error) {
      retryAt.set(row.id, clock.now() + RETRY_MS);
      logger.error(
        { err: describeError(error), broadcast: row.id },
        "could not send the broadcast report; will retry",
      );
    }
  };
}
