import type { Language } from "./language.js";

// Parsing lives at the bottom (src/time.ts) for config.ts; organisers' dialogs still find it here.
export { parseDateRange, parseLocalDateTime, zonedTime } from "../time.js";

/** A moment for an organiser: "21.11.2026, 18:30" in the event's zone. */
export function formatLocal(ms: number, timezone: string, language: Language): string {
  return new Intl.DateTimeFormat(language === "ru" ? "ru-RU" : "en-GB", {
    timeZone: timezone,
    dateStyle: "short",
    timeStyle: "short",
  }).format(ms);
}

/** "1 h 5 min" / "1 ч 5 мин"; under a minute in seconds. */
export function formatDuration(seconds: number, language: Language): string {
  const s = Math.max(0, Math.round(seconds));
  const units = language === "ru" ? { h: "ч", m: "мин", s: "с" } : { h: "h", m: "min", s: "s" };
  if (s < 60) return `${s} ${units.s}`;
  const totalMinutes = Math.round(s / 60);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return hours > 0 ? `${hours} ${units.h} ${minutes} ${units.m}` : `${minutes} ${units.m}`;
}
