import { InlineKeyboard } from "grammy";
import type { AudienceRule, Stage } from "../../audience/segments.js";
import { formatLocal, parseDateRange } from "../../messages/time.js";
import { type AudienceChoice, audienceButton } from "../callback-data.js";
import { fill, type Messages } from "../locales/index.js";
import type { Audience, ComposeSession } from "./compose-session.js";
import { pressed, texted } from "./dialog-io.js";

/** Step 3: who receives it (everyone, a stage, who subscribed between two dates, or a segment), never nobody. */
export async function chooseAudience(s: ComposeSession): Promise<Audience> {
  const { io, m, conversation, deps } = s;
  const counts = await conversation.external(() => {
    const count = (rule: AudienceRule) => deps.cockpit.segments.count(rule);
    return {
      all: count({ kind: "all_active" }),
      bound: count({ kind: "stage", stage: "bound" }),
      approved: count({ kind: "stage", stage: "approved" }),
      ticket_sent: count({ kind: "stage", stage: "ticket_sent" }),
      completed: count({ kind: "stage", stage: "completed" }),
    };
  });
  const button = (text: string, choice: AudienceChoice) => [text, audienceButton.encode(choice)] as const;
  const stage = (text: string, value: Stage) =>
    button(fill(text, { n: counts[value] }), { kind: "stage", stage: value });
  const keyboard = new InlineKeyboard()
    .text(...button(fill(m.audienceAll, { n: counts.all }), { kind: "all" }))
    .row()
    .text(...stage(m.audienceBound, "bound"))
    .row()
    .text(...stage(m.audienceApproved, "approved"))
    .row()
    .text(...stage(m.audienceTicketSent, "ticket_sent"))
    .row()
    .text(...stage(m.audienceCompleted, "completed"))
    .row()
    .text(...button(m.audienceDates, { kind: "dates" }))
    .text(...button(m.audienceSegment, { kind: "segments" }));
  await io.say(m.audiencePrompt, { reply_markup: keyboard });
  for (;;) {
    const c = await s.input(pressed(audienceButton), m.audiencePrompt);
    await io.answer(c);
    const choice = audienceButton.decode(c.callbackQuery?.data);
    if (choice === undefined) continue;
    if (choice.kind === "segments") {
      await showSegmentPicker(s, keyboard);
      continue;
    }
    const chosen = await ruleOf(s, choice);
    if (chosen === null) {
      await io.say(m.notFound, { reply_markup: keyboard });
      continue;
    }
    const count = await conversation.external(() => deps.cockpit.segments.count(chosen.rule));
    if (count === 0) {
      await io.say(fill(m.audienceEmpty, { label: chosen.label }), { reply_markup: keyboard });
      continue;
    }
    return { ...chosen, count };
  }
}

/** The rule and its label for a choice; null: the segment chosen is gone. */
async function ruleOf(
  s: ComposeSession,
  choice: Exclude<AudienceChoice, { kind: "segments" }>,
): Promise<{ rule: AudienceRule; label: string } | null> {
  const { io, m } = s;
  const timezone = s.deps.config.timezone;
  if (choice.kind === "all") return { rule: { kind: "all_active" }, label: m.labelAll };
  if (choice.kind === "stage") return { rule: choice, label: stageLabel(m, choice.stage) };
  if (choice.kind === "dates") {
    await io.say(fill(m.audienceDatesPrompt, { timezone }));
    let range: { from?: number; to?: number } | null = null;
    while (range === null) {
      const d = await s.input(texted, fill(m.audienceDatesPrompt, { timezone }));
      range = parseDateRange(d.message?.text ?? "", timezone);
      if (range === null) await io.say(m.audienceDatesInvalid);
    }
    const day = (ms: number | undefined, end: boolean) =>
      ms === undefined ? "…" : (formatLocal(end ? ms - 1 : ms, timezone, s.ctx.language).split(",")[0] ?? "");
    return {
      rule: { kind: "subscribed", ...range },
      label: fill(m.labelDates, { from: day(range.from, false), to: day(range.to, true) }),
    };
  }
  const { segmentId } = choice;
  const name = await s.conversation.external(() => {
    try {
      return s.deps.cockpit.segments.get(segmentId).name;
    } catch {
      return null;
    }
  });
  return name === null
    ? null
    : { rule: { kind: "segment", segmentId }, label: fill(m.labelSegment, { name }) };
}

/** The organisers' uploaded lists, one button each (the first 20); none: the audience keyboard again. */
async function showSegmentPicker(s: ComposeSession, keyboard: InlineKeyboard): Promise<void> {
  const lists = await s.conversation.external(() =>
    s.deps.cockpit.segments
      .list()
      .map((segment) => ({ id: segment.id, name: segment.name, size: segment.size })),
  );
  if (lists.length === 0) {
    await s.io.say(s.m.audienceNoSegments, { reply_markup: keyboard });
    return;
  }
  const picker = new InlineKeyboard();
  for (const segment of lists.slice(0, 20)) {
    picker
      .text(
        `${segment.name} (${segment.size})`,
        audienceButton.encode({ kind: "segment", segmentId: segment.id }),
      )
      .row();
  }
  await s.io.say(s.m.audienceSegmentsPrompt, { reply_markup: picker });
}

function stageLabel(m: Messages, stage: Stage): string {
  return {
    bound: m.labelBound,
    approved: m.labelApproved,
    ticket_sent: m.labelTicketSent,
    completed: m.labelCompleted,
  }[stage];
}
