import { type Api, GrammyError } from "grammy";
import type { Cancel, TimedClock } from "../clock.js";
import type { Broadcast } from "../delivery/broadcasts.js";
import type { Logger } from "../logger.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import { describeError } from "./describe-error.js";
import { fill, messagesFor } from "./locales/index.js";

const NOTICE_RETRY_MS = 5000;
const NOTICE_TRY_MS = 15 * 60_000;

export interface OutageEvent {
  broadcastId: number;
  phase: "paused" | "resumed";
  reason?: string;
}

/**
 * Telling the organisers that the engine paused a broadcast because Telegram stopped answering,
 * or resumed it: said during an outage, so each notice is tried again until Telegram takes it (or
 * Herald stops, or a quarter of an hour has passed).
 */
export function createOutageNotices(deps: {
  api: () => Api;
  clock: TimedClock;
  logger: Logger;
  adminChatId: number | null;
  find(id: number): Broadcast | undefined;
  track<T>(work: Promise<T>): Promise<T>;
  stopped(): boolean;
}) {
  const { clock, logger } = deps;
  const timers = new Set<Cancel>();

  function say(chatId: number, text: string, broadcastId: number) {
    const giveUpAt = clock.now() + NOTICE_TRY_MS;
    const attempt = () => {
      if (deps.stopped()) return;
      deps.track(deps.api().sendMessage(chatId, text)).catch((error: unknown) => {
        const transient =
          !(error instanceof GrammyError) || error.error_code >= 500 || error.error_code === 429;
        if (transient && !deps.stopped() && clock.now() < giveUpAt) {
          const timer = clock.after(NOTICE_RETRY_MS, () => {
            timers.delete(timer);
            attempt();
          });
          timers.add(timer);
          return;
        }
        logger.warn(
          { err: describeError(error), broadcast: broadcastId },
          "could not tell the organisers of the outage",
        );
      });
    };
    attempt();
  }

  return {
    /** In the chat that watches the broadcast, else the organisers' group; false if there is none. */
    notify({ broadcastId, phase, reason }: OutageEvent): boolean {
      const row = deps.find(broadcastId);
      const chatId = row?.progressChatId ?? deps.adminChatId;
      if (!row || chatId === null || deps.stopped()) return false;
      const m = messagesFor(row.progressLanguage ?? DEFAULT_LANGUAGE);
      const text =
        phase === "paused"
          ? fill(m.outagePaused, { id: row.id, title: row.title, reason: reason ?? "—" })
          : fill(m.outageResumed, { id: row.id, title: row.title });
      say(chatId, text, broadcastId);
      return true;
    },
    clearTimers() {
      for (const cancel of timers) cancel();
      timers.clear();
    },
  };
}
