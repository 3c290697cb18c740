import { InlineKeyboard } from "grammy";
import { estimatePlan } from "../../delivery/plan.js";
import { formatDuration, formatLocal, parseLocalDateTime } from "../../messages/time.js";
import { type PLAN_OPTIONS, planButton } from "../callback-data.js";
import type { DialogContext } from "../context.js";
import type { BotDeps, Pace } from "../deps.js";
import { fill, type Messages } from "../locales/index.js";
import type { Audience, ComposeSession, Plan } from "./compose-session.js";
import { pressed, texted } from "./dialog-io.js";

const NO_TIME = ["now", "сейчас", "none", "нет", "-"];

/** Step 4: when and how it goes (urgent, silent, paid, a start and a deadline), on one card. */
export async function choosePlan(s: ComposeSession, audience: Audience): Promise<Plan> {
  const { io, m, conversation, deps } = s;
  const plan: Plan = { urgent: false, silent: false, paid: false, scheduledAt: null, deadline: null };
  const clockRef = { now: await conversation.now() };
  const pace = await conversation.external(() => deps.cockpit.pace());
  const card = () => planCard(m, plan, audience, clockRef.now, deps.config, s.ctx.language, pace);
  await io.say(card().text, { reply_markup: card().keyboard });
  for (;;) {
    const c = await s.input(pressed(planButton), m.planContinue);
    const option = planButton.decode(c.callbackQuery?.data)?.option;
    await io.answer(c);
    if (option === "go") return plan;
    if (option === "urgent" || option === "silent" || option === "paid") {
      plan[option] = !plan[option];
      await io.edit(c, card().text, { reply_markup: card().keyboard });
      continue;
    }
    if (option === "schedule" || option === "deadline") {
      await askTime(s, plan, option, clockRef);
      await io.say(card().text, { reply_markup: card().keyboard });
    }
  }
}

/** A start or a deadline in the organisers' timezone, in the future and in order; "now"/"none" clears it. */
async function askTime(
  s: ComposeSession,
  plan: Plan,
  option: "schedule" | "deadline",
  clockRef: { now: number },
): Promise<void> {
  const { io, m } = s;
  const timezone = s.deps.config.timezone;
  const prompt = fill(option === "schedule" ? m.planSchedulePrompt : m.planDeadlinePrompt, { timezone });
  await io.say(prompt);
  for (;;) {
    const t = await s.input(texted, prompt);
    const text = (t.message?.text ?? "").trim().toLowerCase();
    const now = await s.conversation.now();
    clockRef.now = now;
    if (NO_TIME.includes(text)) {
      if (option === "schedule") plan.scheduledAt = null;
      else plan.deadline = null;
      return;
    }
    const at = parseLocalDateTime(text, timezone);
    if (at === null) {
      await io.say(m.planTimeInvalid);
      continue;
    }
    if (at <= now) {
      await io.say(m.planTimePast);
      continue;
    }
    const start = option === "schedule" ? at : (plan.scheduledAt ?? now);
    const end = option === "deadline" ? at : plan.deadline;
    if (end !== null && end <= start) {
      await io.say(m.planDeadlineBeforeStart);
      continue;
    }
    if (option === "schedule") plan.scheduledAt = at;
    else plan.deadline = at;
    return;
  }
}

export function planCard(
  m: Messages,
  plan: Plan,
  audience: Audience,
  now: number,
  config: BotDeps["config"],
  language: DialogContext["language"],
  /** The rates in use now and the queue ahead; without it, the configured rates and an empty queue. */
  pace?: Pace,
): { text: string; keyboard: InlineKeyboard } {
  const estimate = estimatePlan({
    count: audience.count,
    paid: plan.paid,
    start: plan.scheduledAt ?? now,
    deadline: plan.deadline,
    freeRate: config.broadcastRate,
    paidRate: config.paidBroadcastRate,
    pace,
  });
  const at = (ms: number | null, none: string) =>
    ms === null ? none : formatLocal(ms, config.timezone, language);
  const lines = [
    fill(m.planCard, {
      label: audience.label,
      n: audience.count,
      rate: estimate.rate,
      eta: formatDuration(estimate.etaSeconds, language),
      start: at(plan.scheduledAt, m.planNow),
      deadline: at(plan.deadline, m.planNone),
      quiet: config.quietHours ? `${clock(config.quietHours.start)}–${clock(config.quietHours.end)}` : "—",
      quietMode: !config.quietHours
        ? m.planQuietOff
        : plan.urgent
          ? m.planQuietIgnored
          : m.planQuietRespected,
      paid: plan.paid ? m.planYes : m.planNo,
      sound: plan.silent ? m.planSilent : m.planSound,
    }),
  ];
  if (estimate.queuedAhead > 0) lines.push(fill(m.planQueuedAhead, { n: estimate.queuedAhead }));
  const needs = estimate.deadline;
  if (needs) {
    lines.push(fill(m.planNeeds, { rate: needs.neededRate }));
    if (needs.overFree) {
      lines.push(
        fill(m.planOverFree, { free: estimate.freeRate, paidRate: needs.paidRate, stars: needs.stars }),
      );
      if (!needs.canMeet) lines.push(m.planCannotMeet);
    }
  }
  const box = (on: boolean, label: string) => `${on ? "☑" : "☐"} ${label}`;
  const option = (value: (typeof PLAN_OPTIONS)[number]) => planButton.encode({ option: value });
  const keyboard = new InlineKeyboard()
    .text(box(plan.urgent, m.planUrgent), option("urgent"))
    .text(box(plan.silent, m.planSilentButton), option("silent"))
    .row()
    .text(m.planSchedule, option("schedule"))
    .text(m.planDeadline, option("deadline"))
    .row()
    .text(box(plan.paid, m.planPaid), option("paid"))
    .text(m.planContinue, option("go"));
  return { text: lines.join("\n"), keyboard };
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
