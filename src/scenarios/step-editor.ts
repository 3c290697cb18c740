import type { Clock } from "../clock.js";
import type { Sqlite } from "../db/client.js";
import type { Language, ScenarioTrigger } from "../db/schema.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import { MAX_DELAY, MIN_EVENT_DELAY, ScenarioError, type Step } from "./model.js";
import type { ScenarioStore } from "./store.js";

export interface StepChange {
  language?: Language;
  text?: string;
  delayMinutes?: number;
}

/** Throws step_invalid or step_out_of_order if the change cannot be made to this step. */
export function checkStepChange(
  scenario: { trigger: ScenarioTrigger; steps: Step[] },
  step: Step,
  change: StepChange,
): void {
  const position = step.position;
  if (change.text !== undefined && change.text.trim() === "") {
    throw new ScenarioError("step_invalid", "a step needs a text");
  }
  if (change.delayMinutes === undefined) return;
  const minimum = scenario.trigger === "event" ? MIN_EVENT_DELAY : 0;
  if (
    !Number.isInteger(change.delayMinutes) ||
    change.delayMinutes < minimum ||
    change.delayMinutes > MAX_DELAY
  ) {
    throw new ScenarioError("step_invalid", `a delay of ${change.delayMinutes} minutes is out of range`);
  }
  // Steps counted from one point must stay in order: catch-up reads a later step's time as
  // "superseded", so a reordered chain would skip steps that were never late.
  if (step.anchor === "previous") return;
  const before = scenario.steps.find((s) => s.position === position - 1);
  const after = scenario.steps.find((s) => s.position === position + 1);
  if (
    (before && before.anchor === step.anchor && change.delayMinutes <= before.delayMinutes) ||
    (after && after.anchor === step.anchor && change.delayMinutes >= after.delayMinutes)
  ) {
    throw new ScenarioError(
      "step_out_of_order",
      `step ${position} must come after step ${position - 1} and before step ${position + 1}`,
    );
  }
}

/** Organisers' edits of a step's text or delay; people waiting for the step wait by the new delay. */
export function createStepEditor(deps: { sqlite: Sqlite; store: ScenarioStore; clock: Clock }) {
  const { store, clock } = deps;
  const retime = deps.sqlite.prepare(
    `UPDATE scenario_runs SET next_due_at = CASE @anchor WHEN 'previous' THEN coalesce(last_sent_at, triggered_at) + @delay
       ELSE triggered_at + @delay END, updated_at = @now
     WHERE scenario_id = @scenario AND status = 'active' AND next_step = @position`,
  );

  return function editStep(id: string, position: number, change: StepChange): Step {
    const scenario = store.scenario(id);
    const step = scenario.steps.find((s) => s.position === position);
    if (!step) throw new ScenarioError("step_not_found", `scenario "${id}" has no step ${position}`);
    checkStepChange(scenario, step, change);
    const language = change.language ?? DEFAULT_LANGUAGE;
    store.updateStep(id, position, {
      ...(change.text !== undefined
        ? language === "en"
          ? { textEn: change.text }
          : { textRu: change.text }
        : {}),
      ...(change.delayMinutes !== undefined ? { delayMinutes: change.delayMinutes } : {}),
      updatedAt: clock.now(),
    });
    if (change.delayMinutes !== undefined && scenario.trigger !== "event") {
      retime.run({
        anchor: step.anchor,
        delay: change.delayMinutes * 60_000,
        now: clock.now(),
        scenario: id,
        position,
      });
    }
    return store.steps(id).find((s) => s.position === position) as Step;
  };
}
