import { describe, expect, it } from "vitest";
import { broadcastGate, isQuietTime, localMinutes } from "../../src/delivery/time-rules.js";

/** A UTC instant for a wall-clock time in Moscow (UTC+3, no DST). */
const moscow = (hh: number, mm = 0) => Date.UTC(2026, 10, 21, hh - 3, mm);
const quiet = { start: 22 * 60, end: 9 * 60 };

describe("quiet hours", () => {
  it("reads local time in the event's time zone", () => {
    expect(localMinutes(moscow(21, 59), "Europe/Moscow")).toBe(21 * 60 + 59);
    expect(localMinutes(moscow(12), "Asia/Yekaterinburg")).toBe(14 * 60);
  });

  it("cover a range across midnight, start inclusive and end exclusive", () => {
    const at = (hh: number, mm = 0) => isQuietTime(moscow(hh, mm), quiet, "Europe/Moscow");
    expect([at(21, 59), at(22), at(23, 30), at(2), at(8, 59), at(9), at(13)]).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it("cover a range within one day, and nothing when off", () => {
    const lunch = { start: 13 * 60, end: 14 * 60 };
    expect(isQuietTime(moscow(13, 30), lunch, "Europe/Moscow")).toBe(true);
    expect(isQuietTime(moscow(14), lunch, "Europe/Moscow")).toBe(false);
    expect(isQuietTime(moscow(23), null, "Europe/Moscow")).toBe(false);
  });
});

describe("broadcastGate", () => {
  type Timing = { scheduledAt: number | null; deadline: number | null; urgent: boolean };
  const base: Timing = { scheduledAt: null, deadline: null, urgent: false };
  const gate = (b: Partial<Timing>, now: number) =>
    broadcastGate({ ...base, ...b }, now, quiet, "Europe/Moscow");

  it("waits for the morning in quiet hours unless urgent", () => {
    expect(gate({}, moscow(23))).toBe("quiet");
    expect(gate({ urgent: true }, moscow(23))).toBe("send");
    expect(gate({}, moscow(9))).toBe("send");
  });

  it("waits for the scheduled start", () => {
    expect(gate({ scheduledAt: moscow(12) }, moscow(11, 59))).toBe("not_yet");
    expect(gate({ scheduledAt: moscow(12) }, moscow(12))).toBe("send");
  });

  it("expires at the deadline, even in quiet hours, and never sends late", () => {
    expect(gate({ deadline: moscow(23) }, moscow(22, 59))).toBe("quiet");
    expect(gate({ deadline: moscow(23) }, moscow(23))).toBe("expired");
    expect(gate({ deadline: moscow(12), urgent: true }, moscow(12, 1))).toBe("expired");
  });
});
