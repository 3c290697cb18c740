import type { Clock } from "../clock.js";
import type { QuietHours } from "../config.js";
import type { HeraldDatabase } from "../db/client.js";
import type { Broadcasts } from "../delivery/broadcasts.js";
import type { Logger } from "../logger.js";
import { createEventSteps } from "./event-steps.js";
import { createFunnel } from "./funnel.js";
import { emptyReport, type Scenarios, type ScenarioView } from "./model.js";
import { createRuns } from "./runs.js";
import { createStepEditor } from "./step-editor.js";
import { createScenarioStore } from "./store.js";

export {
  type Funnel,
  MAX_DELAY,
  MIN_EVENT_DELAY,
  type RunReport,
  ScenarioError,
  type Scenarios,
  type ScenarioView,
  STALE_AFTER_MS,
  type Step,
} from "./model.js";

/**
 * Reminder scenarios: per-person chains of steps (runs.ts), sent through the outbox's transactional
 * lane, and event reminders sent as broadcasts (event-steps.ts); organisers list, switch and edit them.
 */
export function createScenarios(deps: {
  database: HeraldDatabase;
  clock: Clock;
  logger: Logger;
  quietHours: QuietHours | null;
  timezone: string;
  dailyCap: number;
  formUrl: string | null;
  eventStartsAt: number | null;
  liveUrl: string | null;
  /** The form link with a signed reference to this person, for the "invited" scenario. */
  formLinkFor(telegramId: number): string | null;
  broadcasts: Broadcasts;
  onQueued?: () => void;
}): Scenarios {
  const { db, sqlite } = deps.database;
  const logger = deps.logger.child({ part: "scenarios" });
  const store = createScenarioStore(db);
  const runs = createRuns(sqlite, store, deps);
  const runEventSteps = createEventSteps({ ...deps, store, logger });
  const funnelOf = createFunnel(sqlite);
  const editStep = createStepEditor({ sqlite, store, clock: deps.clock });

  function view(id: string): ScenarioView {
    const scenario = store.scenario(id);
    return {
      id,
      trigger: scenario.trigger,
      enabled: scenario.enabled,
      steps: scenario.steps,
      funnel: funnelOf(id),
    };
  }

  return {
    install() {
      const now = deps.clock.now();
      sqlite.transaction(() =>
        store.install({ formUrl: deps.formUrl, eventStartsAt: deps.eventStartsAt }, now),
      )();
    },

    runDue(now) {
      const started = Date.now();
      const report = emptyReport();
      runs.enrol(now, report);
      runEventSteps(now, report);
      runs.sendDue(now, report, started);
      if (report.sent > 0) deps.onQueued?.();
      return report;
    },

    enrolBound(binding) {
      const report = emptyReport();
      try {
        // A savepoint inside the binding's transaction: if this fails, only this part is undone.
        sqlite.transaction(() => runs.enrolBinding(binding, report))();
      } catch (error) {
        logger.error(
          { err: error, answer: binding.answerId },
          "welcome at binding failed; the next tick enrols it",
        );
        return false;
      }
      return report.sent > 0;
    },

    list: () => store.ids().map(view),
    get: view,

    setEnabled(id, enabled) {
      store.scenario(id);
      const now = deps.clock.now();
      // Re-enabled: people who triggered it while it was off are not enrolled after the fact.
      store.updateScenario(id, { enabled, updatedAt: now, ...(enabled ? { enrolledUntil: now - 1 } : {}) });
    },

    editStep,
  };
}
