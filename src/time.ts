/*
 * Calendar time in the event's zone: wall-clock fields and organisers' typed dates to Unix ms. It
 * knows no language, so config.ts can read EVENT_STARTS_AT without importing messages/.
 */

/** The offset of a time zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffset(instant: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    part("year"),
    part("month") - 1,
    part("day"),
    part("hour"),
    part("minute"),
    part("second"),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** Wall-clock time in a zone → Unix ms. Twice corrected, so the day of a clock change lands right. */
export function zonedTime(
  fields: { year: number; month: number; day: number; hour?: number; minute?: number },
  timezone: string,
): number {
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour ?? 0, fields.minute ?? 0);
  const first = wall - zoneOffset(wall, timezone);
  return wall - zoneOffset(first, timezone);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/;

function validDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** "2026-11-21 18:30" in the zone → Unix ms, or null. */
export function parseLocalDateTime(text: string, timezone: string): number | null {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDate(year, month, day) || hour > 23 || minute > 59) return null;
  return zonedTime({ year, month, day, hour, minute }, timezone);
}

/**
 * "2026-11-01..2026-11-15" (either end may be empty) → [from, to) in Unix ms, whole days in the zone;
 * the end day is included. Null when unreadable or empty on both ends.
 */
export function parseDateRange(text: string, timezone: string): { from?: number; to?: number } | null {
  const pieces = text.trim().split("..");
  if (pieces.length !== 2) return null;
  const [start, end] = pieces.map((p) => p.trim()) as [string, string];
  if (start === "" && end === "") return null;
  const day = (value: string, next: boolean): number | null | undefined => {
    if (value === "") return undefined;
    const match = DATE.exec(value);
    if (!match) return null;
    const [year, month, d] = match.slice(1).map(Number) as [number, number, number];
    if (!validDate(year, month, d)) return null;
    return zonedTime({ year, month, day: d + (next ? 1 : 0) }, timezone);
  };
  const from = day(start, false);
  const to = day(end, true);
  if (from === null || to === null) return null;
  if (from !== undefined && to !== undefined && to <= from) return null;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
