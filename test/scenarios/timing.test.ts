import { describe, expect, it } from "vitest";
import { type ScenarioError, STALE_AFTER_MS, type Step } from "../../src/scenarios/model.js";
import { renderStep } from "../../src/scenarios/render-step.js";
import { checkStepChange } from "../../src/scenarios/step-editor.js";
import { catchUp, outsideQuietHours, stopReason } from "../../src/scenarios/timing.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// 12:00 in Moscow (UTC+3).
const NOON_MSK = Date.UTC(2026, 10, 21, 9, 0, 0);

function step(position: number, delayMinutes: number, anchor: Step["anchor"] = "trigger"): Step {
  return {
    position,
    delayMinutes,
    anchor,
    text: { ru: `шаг ${position} {name}`, en: `step ${position} {name}` },
    buttons: { ru: [[{ text: "Ссылка", url: "{link}" }]] },
    broadcastId: null,
    skippedAt: null,
  };
}

const steps = [step(1, 0), step(2, 60), step(3, 24 * 60)];

describe("catchUp", () => {
  it("acts on the next step when it is due and not stale", () => {
    const run = {
      next_step: 2,
      next_due_at: NOON_MSK,
      last_sent_at: NOON_MSK - HOUR,
      triggered_at: NOON_MSK - HOUR,
    };
    expect(catchUp(run, steps, NOON_MSK)).toMatchObject({ index: 1, skipped: 0, due: NOON_MSK });
  });

  it("skips a step whose successor is due too, and finds none left after the last", () => {
    const triggered = NOON_MSK - 25 * HOUR;
    const run = {
      next_step: 2,
      next_due_at: triggered + HOUR,
      last_sent_at: triggered,
      triggered_at: triggered,
    };
    expect(catchUp(run, steps, NOON_MSK)).toMatchObject({ index: 2, skipped: 1, due: triggered + 24 * HOUR });
    const late = { ...run, triggered_at: NOON_MSK - 24 * HOUR - STALE_AFTER_MS - MINUTE };
    expect(catchUp(late, steps, NOON_MSK)).toMatchObject({ step: undefined, skipped: 2, due: null });
  });

  it("keeps a step moved on purpose due from its new time", () => {
    const run = {
      next_step: 2,
      next_due_at: NOON_MSK + HOUR,
      last_sent_at: NOON_MSK - HOUR,
      triggered_at: NOON_MSK - HOUR,
    };
    expect(catchUp(run, steps, NOON_MSK)).toMatchObject({ index: 1, skipped: 0, due: NOON_MSK + HOUR });
  });
});

describe("outsideQuietHours", () => {
  const quiet = { start: 22 * 60, end: 9 * 60 };
  it("waits for the morning in quiet hours, and not otherwise", () => {
    expect(outsideQuietHours(NOON_MSK, quiet, "Europe/Moscow")).toBe(NOON_MSK);
    expect(outsideQuietHours(NOON_MSK + 11 * HOUR, quiet, "Europe/Moscow")).toBe(NOON_MSK + 21 * HOUR);
    expect(outsideQuietHours(NOON_MSK + 11 * HOUR, null, "Europe/Moscow")).toBe(NOON_MSK + 11 * HOUR);
  });
});

describe("stopReason", () => {
  it("stops for the person's status first, then for the scenario's aim", () => {
    expect(stopReason("bound", undefined)).toBe("unsubscribed");
    expect(stopReason("bound", { status: "blocked", completed: 1 })).toBe("blocked");
    expect(stopReason("bound", { status: "active", completed: 0, ticket_sent: 1 })).toBe("ticket_sent");
    expect(
      stopReason("bound", { status: "active", completed: 0, ticket_sent: 0, moderation: "approved" }),
    ).toBe("ticket_sent");
    expect(stopReason("bound", { status: "active", completed: 0, moderation: "rejected" })).toBe("rejected");
    expect(stopReason("bound", { status: "active", completed: 0, moderation: "pending" })).toBeNull();
    // Reminders of the event go to the approved: a decision stops only "finish your registration".
    expect(stopReason("event", { status: "active", moderation: "approved" })).toBeNull();
    expect(stopReason("subscribed", { status: "active", ticket_sent: 1, has_answer: 1 })).toBe("submitted");
    expect(stopReason("subscribed", { status: "active", has_answer: 0 })).toBeNull();
  });
});

describe("renderStep", () => {
  it("falls back to the default language's buttons and drops a button left without a link", () => {
    expect(renderStep(steps[0] as Step, "en", { name: "A&B", link: "https://x.example/" })).toEqual({
      html: "step 1 A&amp;B",
      buttons: [[{ text: "Ссылка", url: "https://x.example/" }]],
    });
    expect(renderStep(steps[0] as Step, "ru", { name: "Ann" })).toEqual({ html: "шаг 1 Ann" });
  });
});

describe("checkStepChange", () => {
  const scenario = { trigger: "bound" as const, steps };
  it("refuses an empty text, a delay out of range and a step out of order", () => {
    const codeOf = (change: Parameters<typeof checkStepChange>[2], at = steps[1] as Step) => {
      try {
        checkStepChange(scenario, at, change);
        return null;
      } catch (error) {
        return (error as ScenarioError).code;
      }
    };
    expect(codeOf({ text: "  " })).toBe("step_invalid");
    expect(codeOf({ delayMinutes: -1 })).toBe("step_invalid");
    expect(codeOf({ delayMinutes: 1.5 })).toBe("step_invalid");
    expect(codeOf({ delayMinutes: 0 })).toBe("step_out_of_order");
    expect(codeOf({ delayMinutes: 24 * 60 })).toBe("step_out_of_order");
    expect(codeOf({ delayMinutes: 120, text: "новый" })).toBeNull();
  });
});
