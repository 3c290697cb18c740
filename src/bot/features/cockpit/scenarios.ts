import { Composer, InlineKeyboard } from "grammy";
import { scenarioButton, stepEditButton } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import { titleOf } from "../../conversations/broadcast-content.js";
import { describeWhen, scenarioName } from "../../conversations/edit-step.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { recordAction } from "./audit.js";
import { startStepEdit } from "./dialogs.js";
import { onPress } from "./press.js";

type Deps = Pick<BotDeps, "db" | "clock" | "config" | "cockpit">;

/** /scenarios: reminder scenarios with their funnels, to switch on or off and to edit step by step. */
export function scenariosFeature(deps: Deps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.command("scenarios", (ctx) => showScenarios(deps, ctx));
  composer.use(
    onPress(scenarioButton, async (ctx, { action, scenario: id }) => {
      await ctx.answerCallbackQuery();
      if (action === "open") {
        await showScenario(deps, ctx, id);
        return;
      }
      const enabled = action === "on";
      deps.cockpit.scenarios.setEnabled(id, enabled);
      recordAction(deps, ctx, enabled ? "scenario.enable" : "scenario.disable", { scenario: id });
      const m = ctx.messages;
      await ctx.reply(
        fill(m.scenarioToggled, { name: scenarioName(m, id), state: enabled ? m.scenarioOn : m.scenarioOff }),
      );
      await showScenarios(deps, ctx);
    }),
  );
  composer.use(
    onPress(stepEditButton, async (ctx, { scenario, position }) => {
      await ctx.answerCallbackQuery();
      await startStepEdit(ctx, scenario, position);
    }),
  );
  return composer;
}

export async function showScenarios(deps: Deps, ctx: HeraldContext): Promise<void> {
  const m = ctx.messages;
  const keyboard = new InlineKeyboard();
  const blocks = [m.scenariosTitle];
  for (const scenario of deps.cockpit.scenarios.list()) {
    const name = scenarioName(m, scenario.id);
    const state = scenario.enabled ? m.scenarioOn : m.scenarioOff;
    const f = scenario.funnel;
    blocks.push(
      scenario.trigger === "event" && deps.config.eventStartsAt === null
        ? fill(m.scenarioEventOff, { name, state })
        : fill(m.scenarioSummary, {
            name,
            state,
            enrolled: f.enrolled,
            active: f.active,
            completed: Object.values(f.completedAfter).reduce((a, b) => a + b, 0),
            ticket: f.ticketSent,
            rejected: f.rejected,
            unsubscribed: f.unsubscribed,
            blocked: f.blocked,
            finished: f.finished,
            skipped: f.skippedSteps,
          }),
    );
    keyboard
      .text(
        fill(scenario.enabled ? m.scenarioDisable : m.scenarioEnable, { name }),
        scenarioButton.encode({ action: scenario.enabled ? "off" : "on", scenario: scenario.id }),
      )
      .text(fill(m.scenarioOpen, { name }), scenarioButton.encode({ action: "open", scenario: scenario.id }))
      .row();
  }
  await ctx.reply(blocks.join("\n\n"), { reply_markup: keyboard });
}

async function showScenario(deps: Deps, ctx: HeraldContext, id: string): Promise<void> {
  const m = ctx.messages;
  const scenario = deps.cockpit.scenarios.get(id);
  const lines = [`${scenarioName(m, id)} — ${scenario.enabled ? m.scenarioOn : m.scenarioOff}`];
  const keyboard = new InlineKeyboard();
  for (const step of scenario.steps) {
    const when = describeWhen(m, ctx.language, step.anchor, step.delayMinutes);
    const text = titleOf({ kind: "text", html: step.text[ctx.language] });
    if (scenario.trigger === "event") {
      const state =
        step.broadcastId !== null
          ? fill(m.eventStepSent, { id: step.broadcastId })
          : step.skippedAt !== null
            ? m.eventStepSkipped
            : m.eventStepPending;
      lines.push(fill(m.scenarioEventStep, { position: step.position, when, text, state }));
    } else {
      lines.push(
        fill(m.scenarioStep, {
          position: step.position,
          when,
          text,
          waiting: scenario.funnel.atStep[step.position] ?? 0,
          completed: scenario.funnel.completedAfter[step.position] ?? 0,
        }),
      );
    }
    keyboard.text(
      fill(m.scenarioEditStep, { position: step.position }),
      stepEditButton.encode({ scenario: id, position: step.position }),
    );
    if (step.position % 4 === 0) keyboard.row();
  }
  await ctx.reply(lines.join("\n"), { reply_markup: keyboard });
}
