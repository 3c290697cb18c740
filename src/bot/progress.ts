import type Database from "better-sqlite3";
import { type Api, GrammyError, InlineKeyboard, InputFile } from "grammy";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Broadcast, Broadcasts } from "../delivery/broadcasts.js";
import type { BroadcastProgress } from "../delivery/engine.js";
import { broadcastCsv, countCancelled, failureReasons } from "../delivery/report.js";
import type { Logger } from "../logger.js";
import type { Language } from "../messages/language.js";
import { formatDuration, formatLocal } from "../messages/time.js";
import { describeError } from "./describe-error.js";
import { fill, type Messages, messagesFor } from "./locales/index.js";

/**
 * Telegram allows about 20 messages a minute in a group, edits included: progress messages are
 * edited at most once per this interval in each chat, whichever of the chat's broadcasts asks.
 */
export const EDIT_INTERVAL_MS = 3500;
const REPORT_POLL_MS = 1000;
const RETRY_MS = 30_000;
const BAR_CELLS = 12;
const OUTAGE_NOTICE_RETRY_MS = 5000;
const OUTAGE_NOTICE_TRY_MS = 15 * 60_000;

export interface ProgressWatcher {
  /** Posts a new live progress message for a broadcast in a chat, which follows it from then on. */
  show(broadcastId: number, chatId: number, language: Language): Promise<void>;
  /**
   * Posts the progress message of a launched broadcast in the chat that watches it, unless it has
   * one already (the launch posts it, and so does the watcher for a launch whose post a crash cut
   * off). True once the message is there; false if Telegram refused (the watcher tries again).
   */
  post(broadcastId: number): Promise<boolean>;
  /** Shows the broadcast's new state (after pause, resume, cancel) at its chat's next edit. */
  refresh(broadcastId: number): void;
  /** Feed of the delivery engine's progress events. */
  onProgress(progress: BroadcastProgress): void;
  /**
   * The engine paused a broadcast because Telegram stopped answering, or resumed it when Telegram
   * answered again: the organisers are told in the chat that watches it (else the organisers' group).
   */
  onOutage(event: { broadcastId: number; phase: "paused" | "resumed"; reason?: string }): void;
  start(): void;
  stop(): Promise<void>;
}

/** The edits of one chat: one at a time, EDIT_INTERVAL_MS apart, for all the broadcasts it watches. */
interface ChatEdits {
  /** When the last edit (or post) in this chat was answered; the next edit goes no sooner than the interval after it. */
  lastAt: number;
  /** Broadcasts with a new state to show, in the order they asked (so two broadcasts take turns). */
  due: Set<number>;
  timer: NodeJS.Timeout | undefined;
  busy: boolean;
}

/**
 * The organisers' view of running broadcasts: one message per broadcast, edited as it goes, then the
 * report and a CSV. Which message to edit and whether the report went out live in SQLite, so a
 * restart picks up where it stopped.
 */
export function createProgressWatcher(deps: {
  /** The bot's own API (throttled for group limits); a getter, since the bot is built after the watcher. */
  api: () => Api;
  sqlite: Database.Database;
  broadcasts: Broadcasts;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, "timezone" | "adminChatId">;
}): ProgressWatcher {
  const { broadcasts, clock } = deps;
  const logger = deps.logger.child({ part: "progress" });
  const latest = new Map<number, BroadcastProgress>();
  const chats = new Map<number, ChatEdits>();
  const lastShown = new Map<number, string>();
  /** A report or a progress post that Telegram refused is tried again after this (not every poll). */
  const reportRetryAt = new Map<number, number>();
  const postRetryAt = new Map<number, number>();
  const posting = new Map<number, Promise<boolean>>();
  /** Edits and posts on the wire, so stop() waits for them before the database closes. */
  const inFlight = new Set<Promise<unknown>>();
  let poller: NodeJS.Timeout | undefined;
  let reporting: Promise<void> = Promise.resolve();
  let stopped = false;
  const noticeTimers = new Set<NodeJS.Timeout>();

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  function chatOf(chatId: number): ChatEdits {
    let chat = chats.get(chatId);
    if (!chat) {
      chat = { lastAt: Number.NEGATIVE_INFINITY, due: new Set(), timer: undefined, busy: false };
      chats.set(chatId, chat);
    }
    return chat;
  }

  function render(
    row: Broadcast,
    language: Language,
  ): { text: string; keyboard: InlineKeyboard | undefined } {
    const m = messagesFor(language);
    const live = latest.get(row.id);
    const done = row.sent + row.failed + row.blocked + row.expired;
    const remaining = Math.max(0, row.total - done);
    const share = row.total > 0 ? done / row.total : row.status === "done" ? 1 : 0;
    const filled = Math.round(share * BAR_CELLS);
    const lines = [
      `${fill(m.progressTitle, { id: row.id, title: row.title })}: ${broadcastStatus(row, m, {
        language,
        timezone: deps.config.timezone,
        quietHours: live?.waiting === "quiet_hours",
      })}`,
      fill(m.progressBody, {
        bar: "▓".repeat(filled) + "░".repeat(BAR_CELLS - filled),
        percent: Math.floor(share * 100),
        sent: row.sent,
        failed: row.failed,
        blocked: row.blocked,
        remaining,
        rate: row.status === "running" ? (live?.rate ?? 0) : 0,
        limit: row.status === "running" ? live?.effectiveRate || row.effectiveRate || "—" : "—",
        eta:
          row.status === "running" && live?.etaSeconds != null
            ? formatDuration(live.etaSeconds, language)
            : "—",
      }),
    ];
    if (row.starsCost > 0) lines.push(fill(m.progressStars, { stars: row.starsCost / 10 }));
    return { text: lines.join("\n"), keyboard: controls(row, m) };
  }

  /**
   * Edits the broadcast's message if its state changed; true if an edit went to Telegram (it used
   * the chat's slot, whatever the answer). Called only by pump, one at a time per chat.
   */
  async function edit(row: Broadcast, chat: ChatEdits): Promise<boolean> {
    if (row.progressChatId === null || row.progressMessageId === null) return false;
    const { text, keyboard } = render(row, row.progressLanguage ?? "ru");
    // A waiting (scheduled, quiet-hours) broadcast reports every second with nothing new: an
    // identical edit would only spend the group's 20 messages a minute.
    const shown = shownKey(row.progressMessageId, text, keyboard);
    if (lastShown.get(row.id) === shown) return false;
    try {
      await deps.api().editMessageText(row.progressChatId, row.progressMessageId, text, {
        reply_markup: keyboard ?? new InlineKeyboard(),
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

  /** Asks for the broadcast's message to show its current state at its chat's next slot. */
  function requestEdit(broadcastId: number) {
    const row = find(broadcastId);
    if (!row || row.progressChatId === null || row.progressMessageId === null) return;
    chatOf(row.progressChatId).due.add(broadcastId);
    pump(row.progressChatId);
  }

  /**
   * The one place that edits: per chat, one edit in flight, the next no sooner than EDIT_INTERVAL_MS
   * after the last was answered; events in between coalesce into the state read when the slot comes.
   */
  function pump(chatId: number) {
    const chat = chats.get(chatId);
    if (!chat || stopped || chat.busy || chat.timer || chat.due.size === 0) return;
    const wait = chat.lastAt + EDIT_INTERVAL_MS - clock.now();
    if (wait > 0) {
      chat.timer = setTimeout(() => {
        chat.timer = undefined;
        pump(chatId);
      }, wait);
      return;
    }
    chat.busy = true;
    void track(
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

  /** Sends a progress message and makes it the one this broadcast's edits and report follow. */
  async function send(row: Broadcast, chatId: number, language: Language) {
    const { text, keyboard } = render(row, language);
    const message = await deps.api().sendMessage(chatId, text, keyboard ? { reply_markup: keyboard } : {});
    chatOf(chatId).lastAt = clock.now();
    lastShown.set(row.id, shownKey(message.message_id, text, keyboard));
    broadcasts.watchFrom(row.id, { chatId, messageId: message.message_id, language });
  }

  function post(broadcastId: number): Promise<boolean> {
    const running = posting.get(broadcastId);
    if (running) return running;
    const attempt = track(
      (async () => {
        const row = find(broadcastId);
        if (!row || row.status === "draft" || row.progressChatId === null) return false;
        if (row.progressMessageId !== null) return true;
        if ((postRetryAt.get(row.id) ?? 0) > clock.now()) return false;
        try {
          await send(row, row.progressChatId, row.progressLanguage ?? "ru");
          postRetryAt.delete(row.id);
          return true;
        } catch (error) {
          postRetryAt.set(row.id, clock.now() + RETRY_MS);
          logger.warn(
            { err: describeError(error), broadcast: row.id },
            "could not post the progress message; will retry",
          );
          return false;
        }
      })().finally(() => posting.delete(broadcastId)),
    );
    posting.set(broadcastId, attempt);
    return attempt;
  }

  function find(id: number): Broadcast | undefined {
    try {
      return broadcasts.get(id);
    } catch {
      return undefined;
    }
  }

  async function report(unreported: Broadcast) {
    if ((reportRetryAt.get(unreported.id) ?? 0) > clock.now()) return;
    // A launch that a crash cut off before its progress message: the report follows one all the same.
    if (unreported.progressMessageId === null) await post(unreported.id);
    const row = find(unreported.id) ?? unreported;
    const chatId = row.progressChatId as number;
    const language = row.progressLanguage ?? "ru";
    const m = messagesFor(language);
    // The final state shows at the chat's next slot; the report need not wait for it.
    requestEdit(row.id);
    const cancelled = countCancelled(deps.sqlite, row.id);
    const duration =
      row.startedAt !== null && row.finishedAt !== null ? (row.finishedAt - row.startedAt) / 1000 : 0;
    const parts = [
      fill(m.reportTitle, { id: row.id, title: row.title }),
      fill(m.reportBody, {
        sent: row.sent,
        total: row.total,
        blocked: row.blocked,
        failed: row.failed,
        expired: row.expired,
        cancelled,
        duration: formatDuration(duration, language),
      }),
    ];
    const reasons = failureReasons(deps.sqlite, row.id);
    if (reasons.length > 0) {
      parts.push(
        fill(m.reportReasons, { reasons: reasons.map((r) => `• ${r.error}: ${r.count}`).join("\n") }),
      );
    }
    try {
      // Each part is marked once it went: what failed (a 429, the network, a stop) is tried again,
      // and only that.
      if (row.reportedAt === null) {
        await deps.api().sendMessage(chatId, parts.join("\n\n"), {
          ...(row.progressMessageId !== null
            ? { reply_parameters: { message_id: row.progressMessageId, allow_sending_without_reply: true } }
            : {}),
        });
        broadcasts.markReported(row.id);
      }
      const csv = broadcastCsv(deps.sqlite, row.id);
      await deps
        .api()
        .sendDocument(chatId, new InputFile(Buffer.from(csv, "utf8"), `broadcast-${row.id}.csv`), {
          caption: m.reportCsv,
        });
      broadcasts.markCsvSent(row.id);
      reportRetryAt.delete(row.id);
      logger.info({ broadcast: row.id }, "report sent to the admin chat");
    } catch (error) {
      reportRetryAt.set(row.id, clock.now() + RETRY_MS);
      logger.error(
        { err: describeError(error), broadcast: row.id },
        "could not send the broadcast report; will retry",
      );
    }
  }

  /** Progress messages a crash cut off, then reports of finished broadcasts: one pass at a time. */
  function poll() {
    reporting = reporting.then(async () => {
      if (stopped) return;
      for (const row of broadcasts.unposted()) await post(row.id);
      for (const row of broadcasts.unreported()) await report(row);
    });
    reporting = reporting.catch((error: unknown) =>
      logger.error({ err: describeError(error) }, "progress check failed"),
    );
  }

  return {
    async show(broadcastId, chatId, language) {
      await track(send(broadcasts.get(broadcastId), chatId, language));
    },
    post,
    refresh(broadcastId) {
      requestEdit(broadcastId);
    },
    onOutage({ broadcastId, phase, reason }) {
      const row = find(broadcastId);
      const chatId = row?.progressChatId ?? deps.config.adminChatId;
      if (!row || chatId === null || stopped) return;
      const m = messagesFor(row.progressLanguage ?? "ru");
      const text =
        phase === "paused"
          ? fill(m.outagePaused, { id: row.id, title: row.title, reason: reason ?? "—" })
          : fill(m.outageResumed, { id: row.id, title: row.title });
      // Said during an outage, so it is tried again until Telegram takes it (or Herald stops).
      const giveUpAt = clock.now() + OUTAGE_NOTICE_TRY_MS;
      const attempt = () => {
        if (stopped) return;
        track(deps.api().sendMessage(chatId, text)).catch((error: unknown) => {
          const transient =
            !(error instanceof GrammyError) || error.error_code >= 500 || error.error_code === 429;
          if (transient && !stopped && clock.now() < giveUpAt) {
            const timer = setTimeout(() => {
              noticeTimers.delete(timer);
              attempt();
            }, OUTAGE_NOTICE_RETRY_MS);
            noticeTimers.add(timer);
            return;
          }
          logger.warn(
            { err: describeError(error), broadcast: broadcastId },
            "could not tell the organisers of the outage",
          );
        });
      };
      attempt();
      requestEdit(broadcastId);
    },
    onProgress(progress) {
      latest.set(progress.broadcastId, progress);
      if (progress.status === "done") {
        poll();
        return;
      }
      requestEdit(progress.broadcastId);
    },
    start() {
      stopped = false;
      poller = setInterval(poll, REPORT_POLL_MS);
      poll();
    },
    async stop() {
      stopped = true;
      clearInterval(poller);
      for (const timer of noticeTimers) clearTimeout(timer);
      noticeTimers.clear();
      for (const chat of chats.values()) {
        clearTimeout(chat.timer);
        chat.timer = undefined;
      }
      await reporting;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** A broadcast's state in words, as the progress message and the broadcast lists show it. */
export function broadcastStatus(
  row: Broadcast,
  m: Messages,
  options: { language: Language; timezone: string; quietHours?: boolean },
): string {
  switch (row.status) {
    case "running":
      return options.quietHours ? m.statusQuiet : m.statusRunning;
    case "scheduled":
      return fill(m.statusScheduled, {
        at: row.scheduledAt === null ? "—" : formatLocal(row.scheduledAt, options.timezone, options.language),
      });
    case "paused":
      return fill(m.statusPaused, { reason: row.pauseReason ?? "" });
    case "done":
      return m.statusDone;
    case "cancelled":
      return m.statusCancelled;
    default:
      return m.statusDraft;
  }
}

function shownKey(messageId: number, text: string, keyboard: InlineKeyboard | undefined): string {
  return `${messageId}\n${text}\n${JSON.stringify(keyboard ?? null)}`;
}

function controls(row: Broadcast, m: Messages): InlineKeyboard | undefined {
  if (row.status === "running" || row.status === "scheduled") {
    return new InlineKeyboard().text(m.pause, `bc:pause:${row.id}`).text(m.cancel, `bc:cancel:${row.id}`);
  }
  if (row.status === "paused") {
    return new InlineKeyboard().text(m.resume, `bc:resume:${row.id}`).text(m.cancel, `bc:cancel:${row.id}`);
  }
  return undefined;
}
