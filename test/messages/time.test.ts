import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatLocal,
  parseDateRange,
  parseLocalDateTime,
  zonedTime,
} from "../../src/messages/time.js";

const MOSCOW = "Europe/Moscow";
const BERLIN = "Europe/Berlin";
const HOUR = 3_600_000;

describe("zonedTime", () => {
  it("turns Moscow wall-clock time (UTC+3 all year) into Unix ms", () => {
    expect(zonedTime({ year: 2026, month: 11, day: 21, hour: 18, minute: 30 }, MOSCOW)).toBe(
      Date.UTC(2026, 10, 21, 15, 30),
    );
    expect(zonedTime({ year: 2026, month: 7, day: 1, hour: 0, minute: 0 }, MOSCOW)).toBe(
      Date.UTC(2026, 5, 30, 21, 0),
    );
  });

  it("defaults hour and minute to midnight and rolls an overflowing day into the next month", () => {
    expect(zonedTime({ year: 2026, month: 11, day: 21 }, MOSCOW)).toBe(Date.UTC(2026, 10, 20, 21, 0));
    expect(zonedTime({ year: 2026, month: 12, day: 32 }, MOSCOW)).toBe(Date.UTC(2026, 11, 31, 21, 0));
  });

  it("uses winter and summer offsets in Berlin on either side of the spring change (2026-03-29)", () => {
    expect(zonedTime({ year: 2026, month: 3, day: 28, hour: 12 }, BERLIN)).toBe(Date.UTC(2026, 2, 28, 11));
    expect(zonedTime({ year: 2026, month: 3, day: 29, hour: 0 }, BERLIN)).toBe(Date.UTC(2026, 2, 28, 23));
    expect(zonedTime({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, BERLIN)).toBe(
      Date.UTC(2026, 2, 29, 0, 30),
    );
    // 02:00 CET became 03:00 CEST at 01:00 UTC.
    expect(zonedTime({ year: 2026, month: 3, day: 29, hour: 3 }, BERLIN)).toBe(Date.UTC(2026, 2, 29, 1));
    expect(zonedTime({ year: 2026, month: 3, day: 29, hour: 12 }, BERLIN)).toBe(Date.UTC(2026, 2, 29, 10));
    expect(zonedTime({ year: 2026, month: 3, day: 30, hour: 12 }, BERLIN)).toBe(Date.UTC(2026, 2, 30, 10));
  });

  it("maps a time skipped by the spring change to one of its neighbouring readings", () => {
    const skipped = zonedTime({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, BERLIN);
    // 02:30 read as CET (01:30 UTC, shown as 03:30 CEST) or as CEST (00:30 UTC, shown as 01:30 CET).
    expect([Date.UTC(2026, 2, 29, 1, 30), Date.UTC(2026, 2, 29, 0, 30)]).toContain(skipped);
  });

  it("uses the right offset on either side of the autumn change (2026-10-25)", () => {
    expect(zonedTime({ year: 2026, month: 10, day: 25, hour: 0 }, BERLIN)).toBe(Date.UTC(2026, 9, 24, 22));
    expect(zonedTime({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, BERLIN)).toBe(
      Date.UTC(2026, 9, 24, 23, 30),
    );
    expect(zonedTime({ year: 2026, month: 10, day: 25, hour: 3, minute: 30 }, BERLIN)).toBe(
      Date.UTC(2026, 9, 25, 2, 30),
    );
    expect(zonedTime({ year: 2026, month: 10, day: 26, hour: 0 }, BERLIN)).toBe(Date.UTC(2026, 9, 25, 23));
    // 02:30 happened twice: as CEST (00:30 UTC) and as CET (01:30 UTC).
    const repeated = zonedTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BERLIN);
    expect([Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30)]).toContain(repeated);
  });
});

describe("parseLocalDateTime", () => {
  it("reads YYYY-MM-DD HH:MM (or with a T, or a one-digit hour) in the zone", () => {
    expect(parseLocalDateTime("2026-11-21 18:30", MOSCOW)).toBe(Date.UTC(2026, 10, 21, 15, 30));
    expect(parseLocalDateTime("  2026-11-21T18:30 ", MOSCOW)).toBe(Date.UTC(2026, 10, 21, 15, 30));
    expect(parseLocalDateTime("2026-11-21 9:05", MOSCOW)).toBe(Date.UTC(2026, 10, 21, 6, 5));
    expect(parseLocalDateTime("2026-11-21 00:00", MOSCOW)).toBe(Date.UTC(2026, 10, 20, 21, 0));
    expect(parseLocalDateTime("2026-11-21 23:59", MOSCOW)).toBe(Date.UTC(2026, 10, 21, 20, 59));
  });

  it("follows Berlin's offset across both 2026 changes", () => {
    expect(parseLocalDateTime("2026-03-28 18:00", BERLIN)).toBe(Date.UTC(2026, 2, 28, 17));
    expect(parseLocalDateTime("2026-03-29 18:00", BERLIN)).toBe(Date.UTC(2026, 2, 29, 16));
    expect(parseLocalDateTime("2026-10-24 18:00", BERLIN)).toBe(Date.UTC(2026, 9, 24, 16));
    expect(parseLocalDateTime("2026-10-25 18:00", BERLIN)).toBe(Date.UTC(2026, 9, 25, 17));
  });

  it("reads a leap day only in a leap year", () => {
    expect(parseLocalDateTime("2028-02-29 12:00", MOSCOW)).toBe(Date.UTC(2028, 1, 29, 9));
    expect(parseLocalDateTime("2026-02-29 12:00", MOSCOW)).toBeNull();
  });

  it.each([
    "2026-02-30 10:00",
    "2026-04-31 10:00",
    "2026-13-01 10:00",
    "2026-00-10 10:00",
    "2026-11-21 25:00",
    "2026-11-21 24:00",
    "2026-11-21 10:60",
    "2026-11-21",
    "21.11.2026 18:30",
    "2026-11-21 18:30:00",
    "2026-11-21 18.30",
    "",
    "now",
  ])("refuses %j", (text) => {
    expect(parseLocalDateTime(text, MOSCOW)).toBeNull();
  });
});

describe("parseDateRange", () => {
  it("covers whole days in the zone, the end day included", () => {
    expect(parseDateRange("2026-11-01..2026-11-15", MOSCOW)).toEqual({
      from: Date.UTC(2026, 9, 31, 21),
      to: Date.UTC(2026, 10, 15, 21),
    });
    expect(parseDateRange(" 2026-11-21 .. 2026-11-21 ", MOSCOW)).toEqual({
      from: Date.UTC(2026, 10, 20, 21),
      to: Date.UTC(2026, 10, 21, 21),
    });
  });

  it("ends a range on the last day of a month or year at the next midnight", () => {
    expect(parseDateRange("..2026-11-30", MOSCOW)).toEqual({ to: Date.UTC(2026, 10, 30, 21) });
    expect(parseDateRange("..2026-12-31", MOSCOW)).toEqual({ to: Date.UTC(2026, 11, 31, 21) });
  });

  it("leaves either end open", () => {
    expect(parseDateRange("2026-11-01..", MOSCOW)).toEqual({ from: Date.UTC(2026, 9, 31, 21) });
    expect(parseDateRange("..2026-11-15", MOSCOW)).toEqual({ to: Date.UTC(2026, 10, 15, 21) });
  });

  it("has a 23-hour day at the spring change and a 25-hour day at the autumn change in Berlin", () => {
    const spring = parseDateRange("2026-03-29..2026-03-29", BERLIN);
    expect(spring).toEqual({ from: Date.UTC(2026, 2, 28, 23), to: Date.UTC(2026, 2, 29, 22) });
    expect((spring?.to ?? 0) - (spring?.from ?? 0)).toBe(23 * HOUR);

    const autumn = parseDateRange("2026-10-25..2026-10-25", BERLIN);
    expect(autumn).toEqual({ from: Date.UTC(2026, 9, 24, 22), to: Date.UTC(2026, 9, 25, 23) });
    expect((autumn?.to ?? 0) - (autumn?.from ?? 0)).toBe(25 * HOUR);
  });

  it.each([
    "..",
    " .. ",
    "2026-11-01",
    "2026-11-01..2026-11-15..2026-11-20",
    "2026-02-30..2026-03-05",
    "2026-03-01..2026-02-30",
    "2026-11-15..2026-11-01",
    "01.11.2026..15.11.2026",
    "2026-11-1..2026-11-15",
    "",
  ])("refuses %j", (text) => {
    expect(parseDateRange(text, MOSCOW)).toBeNull();
  });
});

describe("formatLocal", () => {
  it("shows a moment as date and time in the event's zone, per language", () => {
    const moment = Date.UTC(2026, 10, 21, 15, 30);
    expect(formatLocal(moment, MOSCOW, "ru")).toBe("21.11.2026, 18:30");
    expect(formatLocal(moment, MOSCOW, "en")).toBe("21/11/2026, 18:30");
    expect(formatLocal(moment, BERLIN, "en")).toBe("21/11/2026, 16:30");
  });

  it("shows Berlin summer time after the spring change", () => {
    expect(formatLocal(Date.UTC(2026, 2, 29, 0, 30), BERLIN, "ru")).toBe("29.03.2026, 01:30");
    expect(formatLocal(Date.UTC(2026, 2, 29, 1, 30), BERLIN, "ru")).toBe("29.03.2026, 03:30");
  });

  it("round-trips what parseLocalDateTime reads", () => {
    const at = parseLocalDateTime("2026-10-25 18:45", BERLIN) as number;
    expect(formatLocal(at, BERLIN, "ru")).toBe("25.10.2026, 18:45");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 s", "0 с"],
    [-5, "0 s", "0 с"],
    [1, "1 s", "1 с"],
    [59, "59 s", "59 с"],
    [59.4, "59 s", "59 с"],
    [60, "1 min", "1 мин"],
    [89, "1 min", "1 мин"],
    [125, "2 min", "2 мин"],
    [45 * 60, "45 min", "45 мин"],
    [3_600, "1 h 0 min", "1 ч 0 мин"],
    [3_900, "1 h 5 min", "1 ч 5 мин"],
    [6_000, "1 h 40 min", "1 ч 40 мин"],
    [26 * 3_600 + 15 * 60, "26 h 15 min", "26 ч 15 мин"],
  ])("%s seconds → %j / %j", (seconds, en, ru) => {
    expect(formatDuration(seconds, "en")).toBe(en);
    expect(formatDuration(seconds, "ru")).toBe(ru);
  });
});
