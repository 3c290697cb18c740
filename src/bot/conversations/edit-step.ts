import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import { recordAdminAction } from "../../audience/audit.js";
import { knownParameters } from "../../audience/recipient-params.js";
import { entitiesToHtml } from "../../messages/entities.js";
import type { Language } from "../../messages/language.js";
import { placeholdersIn } from "../../messages/render.js";
import { MAX_DELAY, MIN_EVENT_DELAY, ScenarioError } from "../../scenarios/scenarios.js";
import { keepButton } from "../callback-data.js";
import type { DialogContext, HeraldContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { fill, type Messages } from "../locales/index.js";
import { dialogIO, texted } from "./dialog-io.js";

export const EDIT_STEP = "edit-step";

/**
 * Editing one step of a scenario: its text in the organiser's language, then its delay. Either may
 * be kept. Reads and writes go through `conversation.external`, as the replay rule wants.
 */
export function editStepConversation(deps: Pick<BotDeps, "db" | "clock" | "cockpit">) {
  const { cockpit } = deps;
  return async function editStep(
    conversation: Conversation<HeraldContext, DialogContext>,
    ctx: DialogContext,
    scenarioId: string,
    position: number,
  ) {
    const m = ctx.messages;
    const language = ctx.language;
    const io = dialogIO(conversation, ctx.chat?.id as number, m);
    const found = await conversation.external(() => {
      try {
        const scenario = cockpit.scenarios.get(scenarioId);
        const step = scenario.steps.find((s) => s.position === position);
        return step
          ? { trigger: scenario.trigger, delayMinutes: step.delayMinutes, anchor: step.anchor }
          : null;
      } catch {
        return null;
      }
    });
    if (!found) {
      await io.say(m.notFound);
      return;
    }
    const name = scenarioName(m, scenarioId);
    const keep = new InlineKeyboard().text(m.stepKeep, keepButton.encode({}));
    const event = found.trigger === "event";

    await io.say(fill(m.stepEditTextPrompt, { position, name }), { reply_markup: keep });
    const input = (accept: (c: DialogContext) => boolean, hint: string) => io.input(accept, hint);
    const keepPressed = (c: DialogContext) => keepButton.decode(c.callbackQuery?.data) !== undefined;

    const known = await conversation.external(() => [
      ...knownParameters(cockpit.sqlite),
      "form_url",
      "live_url",
    ]);
    let text: string | undefined;
    for (;;) {
      const c = await input(
        (x) => keepPressed(x) || texted(x),
        fill(m.stepEditTextPrompt, { position, name }),
      );
      if (keepPressed(c)) {
        await io.answer(c);
        break;
      }
      const html = entitiesToHtml(c.message?.text ?? "", c.message?.entities);
      const unknown = placeholdersIn(html).filter((p) => !known.includes(p));
      if (unknown.length > 0) {
        await io.say(
          fill(m.composeUnknownParams, {
            unknown: unknown.map((p) => `{${p}}`).join(", "),
            known: known.map((p) => `{${p}}`).join(", "),
          }),
        );
        continue;
      }
      text = html;
      break;
    }

    const example = event ? m.stepEditDelayExampleEvent : m.stepEditDelayExample;
    await io.say(
      fill(m.stepEditDelayPrompt, {
        example,
        current: describeWhen(m, language, found.anchor, found.delayMinutes),
      }),
      { reply_markup: keep },
    );
    let delayMinutes: number | undefined;
    for (;;) {
      const c = await input((x) => keepPressed(x) || texted(x), fill(m.stepDelayInvalid, { example }));
      if (keepPressed(c)) {
        await io.answer(c);
        break;
      }
      const parsed = parseDelay(c.message?.text ?? "", event);
      if (parsed === null) {
        await io.say(fill(m.stepDelayInvalid, { example }));
        continue;
      }
      delayMinutes = parsed;
      break;
    }

    const saved = await saveStep(deps, conversation, { scenarioId, position, language, text, delayMinutes });
    if (!saved.ok) {
      await io.say(
        saved.code === "step_out_of_order"
          ? fill(m.stepOutOfOrder, { position })
          : fill(m.stepNotSaved, { reason: saved.reason }),
      );
      return;
    }
    await io.say(
      fill(m.stepSaved, {
        position,
        name,
        when: describeWhen(m, language, saved.anchor, saved.delayMinutes),
      }),
    );
  };
}

/** The edit, and its audit row; a refusal (a step out of order, say) comes back as its code and reason. */
function saveStep(
  deps: Pick<BotDeps, "db" | "clock" | "cockpit">,
  conversation: Conversation<HeraldContext, DialogContext>,
  edit: { scenarioId: string; position: number; language: Language; text?: string; delayMinutes?: number },
) {
  const { scenarioId, position, language, text, delayMinutes } = edit;
  return conversation.external((outer) => {
    try {
      const step = deps.cockpit.scenarios.editStep(scenarioId, position, {
        language,
        ...(text !== undefined ? { text } : {}),
        ...(delayMinutes !== undefined ? { delayMinutes } : {}),
      });
      recordAdminAction(deps.db, {
        actorId: outer.from?.id ?? 0,
        chatId: outer.chat?.id ?? 0,
        action: "scenario.edit_step",
        detail: { scenario: scenarioId, position, language, text: text !== undefined, delayMinutes },
        at: deps.clock.now(),
      });
      return { ok: true as const, anchor: step.anchor, delayMinutes: step.delayMinutes };
    } catch (error) {
      if (error instanceof ScenarioError)
        return { ok: false as const, code: error.code, reason: error.message };
      throw error;
    }
  });
}

export function scenarioName(m: Messages, id: string): string {
  const key = `scenarioName_${id}` as keyof Messages;
  return key in m ? String(m[key]) : id;
}

/** "90m", "24h", "3d", "-1d", "0" → minutes; before-the-event (negative) only for event steps. */
export function parseDelay(text: string, allowNegative: boolean): number | null {
  const match = /^\s*(-?)\s*(\d{1,5})\s*(m|min|h|d|м|мин|ч|д)?\s*$/i.exec(text);
  if (!match) return null;
  const unit = (match[3] ?? "m").toLowerCase();
  const factor = unit.startsWith("d") || unit === "д" ? 24 * 60 : unit === "h" || unit === "ч" ? 60 : 1;
  const minutes = Number(match[2]) * factor * (match[1] === "-" ? -1 : 1);
  if (minutes < (allowNegative ? MIN_EVENT_DELAY : 0) || minutes > MAX_DELAY) return null;
  return minutes;
}

export function describeWhen(m: Messages, language: Language, anchor: string, delayMinutes: number): string {
  const delay = formatDelay(Math.abs(delayMinutes), language);
  if (anchor === "event") return delayMinutes === 0 ? m.whenEventAt : fill(m.whenEventBefore, { delay });
  if (anchor === "previous") return fill(m.whenPrevious, { delay });
  return delayMinutes === 0 ? m.whenTriggerNow : fill(m.whenTrigger, { delay });
}

function formatDelay(minutes: number, language: Language): string {
  const units = language === "ru" ? { d: "д", h: "ч", m: "мин" } : { d: "d", h: "h", m: "min" };
  if (minutes % (24 * 60) === 0) return `${minutes / (24 * 60)} ${units.d}`;
  if (minutes % 60 === 0) return `${minutes / 60} ${units.h}`;
  return `${minutes} ${units.m}`;
}
