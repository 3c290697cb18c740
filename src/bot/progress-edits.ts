import { type Api, GrammyError, InlineKeyboard } from "grammy";
import type { Cancel, TimedClock } from "../clock.js";
import type { Broadcast, Broadcasts } from "../delivery/broadcasts.js";
import type { Logger } from "../logger.js";
import type { Language } from "../messages/language.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import { describeError } from "./describe-error.js";
import { type ProgressView, shownKey } from "./progress-view.js";

/**
 * Telegram allows about 20 messages a minute in a group, edits included: progress messages are
 * edited at most once per this interval in each chat, whichever of the chat's broadcasts asks.
 */
export const EDIT_INTERVAL_MS = 3500;

/** The edits of one chat: one at a time, EDIT_INTERVAL_MS apart, for all the broadcasts it watches. */
interface ChatEdits {
  /** When the last edit (or post) in this chat was answered; the next edit goes no sooner than the interval after it. */
  lastAt: number;
  /** Broadcasts with a new state to show, in the order they asked (so two broadcasts take turns). */
  due: Set<number>;
  /** Cancels the wait for this chat's next edit slot. */
  timer: Cancel | undefined;
  busy: boolean;
}

export interface ProgressMessages {
  /** Asks for the broadcast's message to show its current state at its chat's next slot. */
  request(broadcastId: number): void;
  /** Sends a progress message and makes it the one this broadcast's edits and report follow. */
  send(row: Broadcast, chatId: number, language: Language): Promise<void>;
  /** Drops the edits waiting for their slot (the watcher is stopping; one on the wire finishes). */
  clearTimers(): void;
}

/** Posting and editing the progress messages, paced per chat. */
export function createProgressMessages(deps: {
  api: () => Api;
  broadcasts: Pick<Broadcasts, "watchFrom">;
  clock: TimedClock;
  logger: Logger;
  view(row: Broadcast, language: Language): ProgressView;
  find(id: number): Broadcast | undefined;
  /** Keeps work on the wire known to the watcher, so its stop waits for it. */
  track<T>(work: Promise<T>): Promise<T>;
  /** True while the watcher is stopped: no edit starts. */
  stopped(): boolean;
}): ProgressMessages {
  const { clock, logger, find } = deps;
  const chats = new Map<number, ChatEdits>();
  const lastShown = new Map<number, string>();

  function chatOf(chatId: number): ChatEdits {
    let chat = chats.get(chatId);
    if (!chat) {
      chat = { lastAt: Number.NEGATIVE_INFINITY, due: new Set(), timer: undefined, busy: false };
      chats.set(chatId, chat);
    }
    return chat;
  }

  /**
   * Edits the broadcast's message if its state changed; true if an edit went to Telegram (it used
   * the chat's slot, whatever the answer). Called only by pump, one at a time per chat.
   */
  async function edit(row: Broadcast, chat: ChatEdits): Promise<boolean> {
    if (row.progressChatId === null || row.progressMessageId === null) return false;
    const view = deps.view(row, row.progressLanguage ?? DEFAULT_LANGUAGE);
    // A waiting (scheduled, quiet-hours) broadcast reports every second with nothing new: an
    // identical edit would only spend the group's 20 messages a minute.
    const shown = shownKey(row.progressMessageId, view);
    if (lastShown.get(row.id) === shown) return false;
    try {
      await deps.api().editMessageText(row.progressChatId, row.progressMessageId, view.text, {
        reply_markup: view.keyboard ?? new InlineKeyboard(),
      });
      lastShown.set(row.id, shown);
    } catch (error) {
      if (error instanceof GrammyError && error.description.includes("message is not modified")) {
        lastShown.set(row.id, shown);
      } else {
        logger.warn({ err: describeError(error), broadcast: row.id }, "could not edit the progress message");
      }
    } finally {
      // Measured from the answer, not the call: the bot's flood gate (a group's budget, a 429) may
      // hold a call back, and the interval is what Telegram sees between two edits.
      chat.lastAt = clock.now();
    }
    return true;
  }

  /**
   * The one place that edits: per chat, one edit in flight, the next no sooner than EDIT_INTERVAL_MS
   * after the last was answered; events in between coalesce into the state read when the slot comes.
   */
  function pump(chatId: number) {
    const chat = chats.get(chatId);
    if (!chat || deps.stopped() || chat.busy || chat.timer || chat.due.size === 0) return;
    const wait = chat.lastAt + EDIT_INTERVAL_MS - clock.now();
    if (wait > 0) {
      chat.timer = clock.after(wait, () => {
        chat.timer = undefined;
        pump(chatId);
      });
      return;
    }
    chat.busy = true;
    void deps.track(
      (async () => {
        try {
          // The first due broadcast with something new uses the slot; unchanged ones cost nothing.
          for (const id of [...chat.due]) {
            chat.due.delete(id);
            const row = find(id);
            // Watched in another chat now (opened there): that chat edits it.
            if (!row || row.progressChatId !== chatId) continue;
            if (await edit(row, chat)) break;
          }
        } catch (error) {
          logger.error({ err: describeError(error), chat: chatId }, "progress edit failed");
        } finally {
          chat.busy = false;
          pump(chatId);
        }
      })(),
    );
  }

  return {
    request(broadcastId) {
      const row = find(broadcastId);
      if (!row || row.progressChatId === null || row.progressMessageId === null) return;
      chatOf(row.progressChatId).due.add(broadcastId);
      pump(row.progressChatId);
    },
    async send(row, chatId, language) {
      const view = deps.view(row, language);
      const message = await deps
        .api()
        .sendMessage(chatId, view.text, view.keyboard ? { reply_markup: view.keyboard } : {});
      chatOf(chatId).lastAt = clock.now();
      lastShown.set(row.id, shownKey(message.message_id, view));
      deps.broadcasts.watchFrom(row.id, { chatId, messageId: message.message_id, language });
    },
    clearTimers() {
      for (const chat of chats.values()) {
        chat.timer?.();
        chat.timer = undefined;
      }
    },
  };
}
