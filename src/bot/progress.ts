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
 * Telegram allows about 20 messages a minute in a group, edits included: one progress message is
 * edited at most every few seconds per chat.
 */
export const EDIT_INTERVAL_MS = 3500;
const REPORT_POLL_MS = 1000;
const REPORT_RETRY_MS = 30_000;
const BAR_CELLS = 12;

export interface ProgressWatcher {
  /** Posts the live progress message for a broadcast in a chat and keeps it up to date. */
  show(broadcastId: number, chatId: number, language: Language): Promise<void>;
  /** Edits the progress message now (after pause, resume, cancel). */
  refresh(broadcastId: number): Promise<void>;
  /** Feed of the delivery engine's progress events. */
  onProgress(progress: BroadcastProgress): void;
  start(): void;
  stop(): Promise<void>;
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
  config: Pick<Config, "timezone">;
}): ProgressWatcher {
  const { broadcasts, clock } = deps;
  const logger = deps.logger.child({ part: "progress" });
  const latest = new Map<number, BroadcastProgress>();
  const lastEditInChat = new Map<number, number>();
  const lastShown = new Map<number, string>();
  /** A report that could not be sent is tried again after this (not every poll). */
  const reportRetryAt = new Map<number, number>();
  const pendingEdit = new Map<number, NodeJS.Timeout>();
  let poller: NodeJS.Timeout | undefined;
  let reporting: Promise<void> = Promise.resolve();

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
        eta:
          row.status === "running" && live?.etaSeconds != null
            ? formatDuration(live.etaSeconds, language)
            : "—",
      }),
    ];
    if (row.starsCost > 0) lines.push(fill(m.progressStars, { stars: row.starsCost / 10 }));
    return { text: lines.join("\n"), keyboard: controls(row, m) };
  }

  async function edit(row: Broadcast) {
    if (row.progressChatId === null || row.progressMessageId === null) return;
    const { text, keyboard } = render(row, row.progressLanguage ?? "ru");
    // A waiting (scheduled, quiet-hours) broadcast reports every second with nothing new: an
    // identical edit would only spend the group's 20 messages a minute.
    const shown = shownKey(row.progressMessageId, text, keyboard);
    if (lastShown.get(row.id) === shown) return;
    lastShown.set(row.id, shown);
    lastEditInChat.set(row.progressChatId, clock.now());
    try {
      await deps.api().editMessageText(row.progressChatId, row.progressMessageId, text, {
        reply_markup: keyboard ?? new InlineKeyboard(),
      });
    } catch (error) {
      if (error instanceof GrammyError && error.description.includes("message is not modified")) return;
      logger.warn({ err: describeError(error), broadcast: row.id }, "could not edit the progress message");
    }
  }

  /** Edits now if the chat's interval has passed, else once when it does (later events coalesce). */
  function scheduleEdit(broadcastId: number) {
    if (pendingEdit.has(broadcastId)) return;
    const row = find(broadcastId);
    if (!row || row.progressChatId === null) return;
    const wait = Math.max(0, (lastEditInChat.get(row.progressChatId) ?? 0) + EDIT_INTERVAL_MS - clock.now());
    const timer = setTimeout(() => {
      pendingEdit.delete(broadcastId);
      const fresh = find(broadcastId);
      if (fresh) void edit(fresh);
    }, wait);
    pendingEdit.set(broadcastId, timer);
  }

  function find(id: number): Broadcast | undefined {
    try {
      return broadcasts.get(id);
    } catch {
      return undefined;
    }
  }

  async function report(row: Broadcast) {
    if ((reportRetryAt.get(row.id) ?? 0) > clock.now()) return;
    const chatId = row.progressChatId as number;
    const language = row.progressLanguage ?? "ru";
    const m = messagesFor(language);
    const timer = pendingEdit.get(row.id);
    if (timer) clearTimeout(timer);
    pendingEdit.delete(row.id);
    await edit(row);
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
      await deps.api().sendMessage(chatId, parts.join("\n\n"), {
        ...(row.progressMessageId !== null
          ? { reply_parameters: { message_id: row.progressMessageId, allow_sending_without_reply: true } }
          : {}),
      });
      const csv = broadcastCsv(deps.sqlite, row.id);
      await deps
        .api()
        .sendDocument(chatId, new InputFile(Buffer.from(csv, "utf8"), `broadcast-${row.id}.csv`), {
          caption: m.reportCsv,
        });
      // Marked only once it went: a report that failed (a 429, the network) is tried again.
      broadcasts.markReported(row.id);
      reportRetryAt.delete(row.id);
      logger.info({ broadcast: row.id }, "report sent to the admin chat");
    } catch (error) {
      reportRetryAt.set(row.id, clock.now() + REPORT_RETRY_MS);
      logger.error(
        { err: describeError(error), broadcast: row.id },
        "could not send the broadcast report; will retry",
      );
    }
  }

  function pollReports() {
    reporting = reporting.then(async () => {
      for (const row of broadcasts.unreported()) await report(row);
    });
    reporting = reporting.catch((error: unknown) =>
      logger.error({ err: describeError(error) }, "report check failed"),
    );
  }

  return {
    async show(broadcastId, chatId, language) {
      const row = broadcasts.get(broadcastId);
      const { text, keyboard } = render(row, language);
      const message = await deps.api().sendMessage(chatId, text, keyboard ? { reply_markup: keyboard } : {});
      lastEditInChat.set(chatId, clock.now());
      lastShown.set(broadcastId, shownKey(message.message_id, text, keyboard));
      broadcasts.watchFrom(broadcastId, { chatId, messageId: message.message_id, language });
    },
    async refresh(broadcastId) {
      const row = find(broadcastId);
      if (row) await edit(row);
    },
    onProgress(progress) {
      latest.set(progress.broadcastId, progress);
      if (progress.status === "done") {
        pollReports();
        return;
      }
      scheduleEdit(progress.broadcastId);
    },
    start() {
      poller = setInterval(pollReports, REPORT_POLL_MS);
      pollReports();
    },
    async stop() {
      clearInterval(poller);
      for (const timer of pendingEdit.values()) clearTimeout(timer);
      pendingEdit.clear();
      await reporting;
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
