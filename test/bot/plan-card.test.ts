import type { Message } from "grammy/types";
import { describe, expect, it } from "vitest";
import { contentOf, titleOf } from "../../src/bot/conversations/broadcast-content.js";
import { planCard } from "../../src/bot/conversations/compose-plan.js";
import type { Audience, Plan } from "../../src/bot/conversations/compose-session.js";
import { messagesFor } from "../../src/bot/locales/index.js";
import { testConfig } from "../helpers/config.js";

const ENV = {
  BROADCAST_RATE: "30",
  PAID_BROADCAST_RATE: "1000",
  QUIET_HOURS: "22:00-09:00",
  TIMEZONE: "Europe/Moscow",
};
const config = testConfig(ENV);
const m = messagesFor("en");
/** 12:00 in Moscow. */
const NOW = Date.UTC(2026, 10, 21, 9, 0);
const SECOND = 1_000;

const PLAN: Plan = { urgent: false, silent: false, paid: false, scheduledAt: null, deadline: null };
const audience = (count: number): Audience => ({ rule: { kind: "all_active" }, label: m.labelAll, count });

function card(plan: Partial<Plan>, count: number, cfg = config) {
  return planCard(m, { ...PLAN, ...plan }, audience(count), NOW, cfg, "en");
}

const NEEDS = (rate: number) => `To meet the deadline it needs ${rate} msg/s.`;
const OVER_FREE = (stars: number) =>
  `That is over the free 30/s: a paid broadcast (up to 1000/s) costs about ${stars} Stars.`;
const CANNOT = "Not everyone can be reached by then: the rest will expire.";

describe("planCard text", () => {
  it("describes a plain broadcast at the free rate, with its ETA and no deadline lines", () => {
    expect(card({}, 180_000).text).toBe(
      [
        "Plan",
        "Audience: all active subscribers",
        "Recipients: 180000",
        "Rate: 30/s, about 1 h 40 min",
        "Start: now",
        "Deadline: none",
        "Quiet hours (22:00–09:00): respected, waits for the morning",
        "Paid broadcast: no",
        "Notification: with sound",
      ].join("\n"),
    );
  });

  it("uses the paid rate for the ETA of a paid broadcast", () => {
    const text = card({ paid: true }, 180_000).text;
    expect(text).toContain("Rate: 1000/s, about 3 min");
    expect(text).toContain("Paid broadcast: yes");
  });

  it("uses the rate in use and counts what is queued ahead", () => {
    const pace = { freeRate: 24, paidRate: 960, queuedAhead: 1200 };
    const text = planCard(m, PLAN, audience(1200), NOW, config, "en", pace).text;
    // 1,200 ahead and 1,200 of its own at 24/s: 100 s (about 2 min), not the 40 s a lone broadcast at 30/s would take.
    expect(text).toContain("Rate: 24/s, about 2 min");
    expect(text).toContain("Queued ahead of it: 1200 messages");
    const paid = planCard(m, { ...PLAN, paid: true }, audience(9600), NOW, config, "en", pace).text;
    expect(paid).toContain("Rate: 960/s, about 1 min");
  });

  it("shows a short audience's ETA in seconds", () => {
    expect(card({}, 600).text).toContain("Rate: 30/s, about 20 s");
  });

  it("changes the quiet-hours mode with urgent, and says when quiet hours are off", () => {
    expect(card({ urgent: true }, 10).text).toContain("Quiet hours (22:00–09:00): ignored (urgent)");
    const off = testConfig({ ...ENV, QUIET_HOURS: "off" });
    expect(card({}, 10, off).text).toContain("Quiet hours (—): not set");
    expect(card({ urgent: true }, 10, off).text).toContain("Quiet hours (—): not set");
  });

  it("shows the quiet hours as configured", () => {
    const late = testConfig({ ...ENV, QUIET_HOURS: "23:30-07:05" });
    expect(card({}, 10, late).text).toContain("Quiet hours (23:30–07:05): respected, waits for the morning");
  });

  it("shows a silent broadcast", () => {
    expect(card({ silent: true }, 10).text).toContain("Notification: silent");
  });

  it("shows start and deadline in the event's zone", () => {
    const text = card({ scheduledAt: NOW + 3_600 * SECOND, deadline: NOW + 7_200 * SECOND }, 10).text;
    expect(text).toContain("Start: 21/11/2026, 13:00");
    expect(text).toContain("Deadline: 21/11/2026, 14:00");
  });
});

describe("planCard deadline lines", () => {
  it("within the free rate: only the needed rate", () => {
    const lines = card({ deadline: NOW + 3_600 * SECOND }, 1_000).text.split("\n");
    expect(lines.slice(9)).toEqual([NEEDS(1)]);
  });

  it("exactly at the free rate is still free", () => {
    const lines = card({ deadline: NOW + 100 * SECOND }, 3_000).text.split("\n");
    expect(lines.slice(9)).toEqual([NEEDS(30)]);
  });

  it("over the free rate on a paid broadcast: the cost in Stars, and it can be met", () => {
    // 180000 in 180 s needs 1000/s; 30/s of it is free: ceil((180000 - 30 * 180) * 0.1) = 17460.
    const lines = card({ paid: true, deadline: NOW + 180 * SECOND }, 180_000).text.split("\n");
    expect(lines.slice(9)).toEqual([NEEDS(1000), OVER_FREE(17_460)]);
  });

  it("over the free rate without paying: the cost, and that it cannot be met", () => {
    const lines = card({ deadline: NOW + 180 * SECOND }, 180_000).text.split("\n");
    expect(lines.slice(9)).toEqual([NEEDS(1000), OVER_FREE(17_460), CANNOT]);
  });

  it("over even the paid rate: cannot be met, paid or not", () => {
    const paid = card({ paid: true, deadline: NOW + 60 * SECOND }, 180_000).text.split("\n");
    expect(paid.slice(9)).toEqual([NEEDS(3000), OVER_FREE(17_460), CANNOT]);
  });

  it("counts the time from the scheduled start, not from now", () => {
    const start = NOW + 3_600 * SECOND;
    const lines = card({ scheduledAt: start, deadline: start + 100 * SECOND }, 6_000).text.split("\n");
    // 6000 in the 100 s between start and deadline (counted from now it would be 2/s);
    // at 1000/s the send takes 6 s, 180 of them free: ceil((6000 - 180) * 0.1) = 582.
    expect(lines.slice(9)).toEqual([NEEDS(60), OVER_FREE(582), CANNOT]);
  });

  it("treats a deadline at or before the start as one second", () => {
    const lines = card({ paid: true, deadline: NOW }, 500).text.split("\n");
    expect(lines.slice(9)).toEqual([NEEDS(500), OVER_FREE(49)]);
  });
});

describe("planCard keyboard", () => {
  const texts = (plan: Partial<Plan>) =>
    card(plan, 10).keyboard.inline_keyboard.map((row) => row.map((button) => button.text));

  it("has the toggles, time buttons and continue, with dialog callback data", () => {
    const keyboard = card({}, 10).keyboard.inline_keyboard;
    expect(
      keyboard.map((row) => row.map((button) => ("callback_data" in button ? button.callback_data : null))),
    ).toEqual([
      ["d:plan:urgent", "d:plan:silent"],
      ["d:plan:schedule", "d:plan:deadline"],
      ["d:plan:paid", "d:plan:go"],
    ]);
    expect(texts({})).toEqual([
      ["☐ Urgent: night too", "☐ Silent"],
      ["🕒 Start time", "⏳ Deadline"],
      ["☐ Paid broadcast", "Continue →"],
    ]);
  });

  it.each([
    [{ urgent: true }, [0, 0]],
    [{ silent: true }, [0, 1]],
    [{ paid: true }, [2, 0]],
  ] as const)("ticks only the toggle that is on: %j", (plan, [row, column]) => {
    const keyboard = texts(plan);
    const ticked = keyboard.flatMap((buttons, r) =>
      buttons.flatMap((text, c) => (text.startsWith("☑") ? [[r, c]] : [])),
    );
    expect(ticked).toEqual([[row, column]]);
  });

  it("ticks every toggle that is on", () => {
    expect(texts({ urgent: true, silent: true, paid: true })).toEqual([
      ["☑ Urgent: night too", "☑ Silent"],
      ["🕒 Start time", "⏳ Deadline"],
      ["☑ Paid broadcast", "Continue →"],
    ]);
  });
});

function message(fields: Record<string, unknown>): Message {
  return {
    message_id: 7,
    date: 0,
    chat: { id: -100_123, type: "supergroup", title: "Org" },
    ...fields,
  } as Message;
}

describe("contentOf", () => {
  it("takes a text message as an HTML template with its formatting", () => {
    const content = contentOf(
      message({ text: "Hello <all> & {hall}", entities: [{ type: "bold", offset: 0, length: 5 }] }),
      -100_123,
    );
    expect(content).toEqual({ kind: "text", html: "<b>Hello</b> &lt;all&gt; &amp; {hall}" });
  });

  it("takes the largest photo with its caption", () => {
    const photo = [
      { file_id: "small", file_unique_id: "s", width: 90, height: 90 },
      { file_id: "large", file_unique_id: "l", width: 1280, height: 1280 },
    ];
    expect(
      contentOf(
        message({ photo, caption: "Hall A", caption_entities: [{ type: "italic", offset: 5, length: 1 }] }),
        1,
      ),
    ).toEqual({ kind: "photo", photo: "large", captionHtml: "Hall <i>A</i>" });
    expect(contentOf(message({ photo }), 1)).toEqual({ kind: "photo", photo: "large" });
  });

  it("copies anything else from the organiser's chat", () => {
    const sticker = message({
      message_id: 99,
      sticker: {
        file_id: "st",
        file_unique_id: "u",
        type: "regular",
        width: 1,
        height: 1,
        is_animated: false,
        is_video: false,
      },
    });
    expect(contentOf(sticker, -100_123)).toEqual({ kind: "copy", fromChatId: -100_123, messageId: 99 });
  });
});

describe("titleOf", () => {
  it("strips markup, decodes entities once and squeezes whitespace", () => {
    expect(titleOf({ kind: "text", html: "<b>Doors</b>  open\n\nat <i>18:00</i> &amp; &lt;Hall&gt;" })).toBe(
      "Doors open at 18:00 & <Hall>",
    );
    expect(titleOf({ kind: "text", html: "Use &amp;lt; literally &quot;here&quot;" })).toBe(
      'Use &lt; literally "here"',
    );
  });

  it("cuts a long title to 40 characters with an ellipsis", () => {
    const title = titleOf({ kind: "text", html: `<b>${"a".repeat(30)}</b> ${"b".repeat(30)}` });
    expect(title).toBe(`${"a".repeat(30)} ${"b".repeat(8)}…`);
    expect(title).toHaveLength(40);
    const exact = "c".repeat(40);
    expect(titleOf({ kind: "text", html: exact })).toBe(exact);
  });

  it("falls back to an icon for photos without a caption, copies and empty texts", () => {
    expect(titleOf({ kind: "photo", photo: "p", captionHtml: "Hall <i>A</i>" })).toBe("Hall A");
    expect(titleOf({ kind: "photo", photo: "p" })).toBe("📷");
    expect(titleOf({ kind: "copy", fromChatId: 1, messageId: 2 })).toBe("📎");
    expect(titleOf({ kind: "text", html: "<b> </b>" })).toBe("📎");
  });
});
