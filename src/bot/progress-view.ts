import { InlineKeyboard } from "grammy";
import type { Broadcast } from "../delivery/broadcasts.js";
import type { BroadcastProgress } from "../delivery/engine.js";
import type { Language } from "../messages/language.js";
import { formatDuration, formatLocal } from "../messages/time.js";
import { broadcastButton } from "./callback-data.js";
import { fill, type Messages, messagesFor } from "./locales/index.js";

const BAR_CELLS = 12;

export interface ProgressView {
  text: string;
  keyboard: InlineKeyboard | undefined;
}

/** A broadcast's progress message: its state, a bar, the counts, the pace, and its controls. */
export function progressView(
  row: Broadcast,
  live: BroadcastProgress | undefined,
  options: { language: Language; timezone: string },
): ProgressView {
  const { language } = options;
  const m = messagesFor(language);
  const done = row.sent + row.failed + row.blocked + row.expired;
  const remaining = Math.max(0, row.total - done);
  const share = row.total > 0 ? done / row.total : row.status === "done" ? 1 : 0;
  const filled = Math.round(share * BAR_CELLS);
  const running = row.status === "running";
  const lines = [
    `${fill(m.progressTitle, { id: row.id, title: row.title })}: ${broadcastStatus(row, m, {
      ...options,
      quietHours: live?.waiting === "quiet_hours",
    })}`,
    fill(m.progressBody, {
      bar: "▓".repeat(filled) + "░".repeat(BAR_CELLS - filled),
      percent: Math.floor(share * 100),
      sent: row.sent,
      failed: row.failed,
      blocked: row.blocked,
      remaining,
      rate: running ? (live?.rate ?? 0) : 0,
      limit: running ? live?.effectiveRate || row.effectiveRate || "—" : "—",
      eta: running && live?.etaSeconds != null ? formatDuration(live.etaSeconds, language) : "—",
    }),
  ];
  if (row.starsCost > 0) lines.push(fill(m.progressStars, { stars: row.starsCost / 10 }));
  return { text: lines.join("\n"), keyboard: controls(row, m) };
}

/** The report that follows a finished broadcast, in the language of the chat that watched it. */
export function reportText(
  row: Broadcast,
  language: Language,
  facts: { cancelled: number; reasons: Array<{ error: string; count: number }> },
): string {
  const m = messagesFor(language);
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
      cancelled: facts.cancelled,
      duration: formatDuration(duration, language),
    }),
  ];
  if (facts.reasons.length > 0) {
    parts.push(
      fill(m.reportReasons, { reasons: facts.reasons.map((r) => `• ${r.error}: ${r.count}`).join("\n") }),
    );
  }
  return parts.join("\n\n");
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

/** What a message shows: the same key means an edit would change nothing. */
export function shownKey(messageId: number, view: ProgressView): string {
  return `${messageId}\n${view.text}\n${JSON.stringify(view.keyboard ?? null)}`;
}

function controls(row: Broadcast, m: Messages): InlineKeyboard | undefined {
  const button = (text: string, action: "pause" | "resume" | "cancel") =>
    [text, broadcastButton.encode({ action, id: row.id })] as const;
  if (row.status === "running" || row.status === "scheduled") {
    return new InlineKeyboard().text(...button(m.pause, "pause")).text(...button(m.cancel, "cancel"));
  }
  if (row.status === "paused") {
    return new InlineKeyboard().text(...button(m.resume, "resume")).text(...button(m.cancel, "cancel"));
  }
  return undefined;
}
