import type { Clock } from "../clock.js";
import type { Broadcast } from "../delivery/broadcasts.js";
import type { Logger } from "../logger.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import { describeError } from "./describe-error.js";
import type { ProgressMessages } from "./progress-edits.js";

/** A progress post that Telegram refused is tried again after this (not every poll). */
const RETRY_MS = 30_000;

/**
 * Posting a launched broadcast's progress message in the chat that watches it, once: concurrent
 * callers (the launch, the watcher's poll) share one attempt, and a refused post waits RETRY_MS.
 */
export function createProgressPoster(deps: {
  clock: Clock;
  logger: Logger;
  messages: Pick<ProgressMessages, "send">;
  find(id: number): Broadcast | undefined;
  track<T>(work: Promise<T>): Promise<T>;
}): (broadcastId: number) => Promise<boolean> {
  const { clock, logger } = deps;
  const retryAt = new Map<number, number>();
  const posting = new Map<number, Promise<boolean>>();

  async function postOnce(broadcastId: number): Promise<boolean> {
    const row = deps.find(broadcastId);
    if (!row || row.status === "draft" || row.progressChatId === null) return false;
    if (row.progressMessageId !== null) return true;
    if ((retryAt.get(row.id) ?? 0) > clock.now()) return false;
    try {
      await deps.messages.send(row, row.progressChatId, row.progressLanguage ?? DEFAULT_LANGUAGE);
      retryAt.delete(row.id);
      return true;
    } catch (error) {
      retryAt.set(row.id, clock.now() + RETRY_MS);
      logger.warn(
        { err: describeError(error), broadcast: row.id },
        "could not post the progress message; will retry",
      );
      return false;
    }
  }

  return function post(broadcastId) {
    const running = posting.get(broadcastId);
    if (running) return running;
    const attempt = deps.track(postOnce(broadcastId).finally(() => posting.delete(broadcastId)));
    posting.set(broadcastId, attempt);
    return attempt;
  };
}
