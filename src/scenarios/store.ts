import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { scenarioSteps, scenarios } from "../db/schema.js";
import { DEFAULT_SCENARIOS } from "./definitions.js";
import { ScenarioError, type Step } from "./model.js";

export type ScenarioRow = typeof scenarios.$inferSelect;

/** Reading and writing scenarios and their steps (the drizzle side; runs are in run-due.ts). */
export interface ScenarioStore {
  steps(id: string): Step[];
  /** The scenario with its steps; throws scenario_not_found. */
  scenario(id: string): ScenarioRow & { steps: Step[] };
  find(id: string): ScenarioRow | undefined;
  ids(): string[];
  enabled(): ScenarioRow[];
  updateStep(id: string, position: number, values: Partial<typeof scenarioSteps.$inferInsert>): void;
  updateScenario(id: string, values: Partial<typeof scenarios.$inferInsert>): void;
  /** Writes the built-in scenarios that are not there yet (organisers' edits are kept). */
  install(settings: { formUrl: string | null; eventStartsAt: number | null }, now: number): void;
}

export function createScenarioStore(db: Db): ScenarioStore {
  function steps(id: string): Step[] {
    return db
      .select()
      .from(scenarioSteps)
      .where(eq(scenarioSteps.scenarioId, id))
      .orderBy(asc(scenarioSteps.position))
      .all()
      .map((row) => ({
        position: row.position,
        delayMinutes: row.delayMinutes,
        anchor: row.anchor,
        text: { ru: row.textRu, en: row.textEn },
        buttons: JSON.parse(row.buttons) as Step["buttons"],
        broadcastId: row.broadcastId,
        skippedAt: row.skippedAt,
      }));
  }

  function install(settings: { formUrl: string | null; eventStartsAt: number | null }, now: number) {
    for (const definition of DEFAULT_SCENARIOS) {
      const exists = db
        .select({ id: scenarios.id })
        .from(scenarios)
        .where(eq(scenarios.id, definition.id))
        .get();
      if (exists) continue;
      db.insert(scenarios)
        .values({
          id: definition.id,
          trigger: definition.trigger,
          enabled: definition.enabledByDefault(settings),
          // Only triggers from now on: installing must not remind everyone who came before.
          enrolledUntil: now - 1,
          updatedAt: now,
        })
        .run();
      for (const [i, step] of definition.steps.entries()) {
        db.insert(scenarioSteps)
          .values({
            scenarioId: definition.id,
            position: i + 1,
            delayMinutes: step.delayMinutes,
            anchor: step.anchor,
            textRu: step.text.ru,
            textEn: step.text.en,
            buttons: JSON.stringify(step.buttons ?? {}),
            updatedAt: now,
          })
          .run();
      }
    }
  }

  const find = (id: string) => db.select().from(scenarios).where(eq(scenarios.id, id)).get();

  return {
    steps,
    find,
    scenario(id) {
      const row = find(id);
      if (!row) throw new ScenarioError("scenario_not_found", `there is no scenario "${id}"`);
      return { ...row, steps: steps(id) };
    },
    ids: () =>
      db
        .select({ id: scenarios.id })
        .from(scenarios)
        .all()
        .map((row) => row.id),
    enabled: () => db.select().from(scenarios).where(eq(scenarios.enabled, true)).all(),
    updateStep(id, position, values) {
      db.update(scenarioSteps)
        .set(values)
        .where(and(eq(scenarioSteps.scenarioId, id), eq(scenarioSteps.position, position)))
        .run();
    },
    updateScenario(id, values) {
      db.update(scenarios).set(values).where(eq(scenarios.id, id)).run();
    },
    install,
  };
}
