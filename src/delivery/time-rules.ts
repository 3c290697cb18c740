import type { QuietHours } from "../config.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight in a time zone. */
export function localMinutes(nowMs: number, timezone: string): number {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timezone, format);
  }
  const parts = format.formatToParts(nowMs);
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  return hour * 60 + minute;
}

/** Quiet hours may cross midnight (22:00–09:00). */
export function isQuietTime(nowMs: number, quiet: QuietHours | null, timezone: string): boolean {
  if (quiet === null) return false;
  const minutes = localMinutes(nowMs, timezone);
  return quiet.start < quiet.end
    ? minutes >= quiet.start && minutes < quiet.end
    : minutes >= quiet.start || minutes < quiet.end;
}

export type BroadcastGate = "send" | "not_yet" | "quiet" | "expired";

/** Whether a running broadcast may send right now. */
export function broadcastGate(
  broadcast: { scheduledAt: number | null; deadline: number | null; urgent: boolean },
  nowMs: number,
  quiet: QuietHours | null,
  timezone: string,
): BroadcastGate {
  if (broadcast.deadline !== null && nowMs >= broadcast.deadline) return "expired";
  if (broadcast.scheduledAt !== null && nowMs < broadcast.scheduledAt) return "not_yet";
  if (!broadcast.urgent && isQuietTime(nowMs, quiet, timezone)) return "quiet";
  return "send";
}
