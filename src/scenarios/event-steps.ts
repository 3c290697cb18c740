import type { Broadcasts } from "../delivery/broadcasts.js";
import type { Logger } from "../logger.js";
import type { ButtonTemplate } from "../messages/content.js";
import { prefill } from "../messages/render.js";
import { type RunReport, STALE_AFTER_MS } from "./model.js";
import type { ScenarioStore } from "./store.js";

/** How long the last event reminder ("we are live") keeps going out after its moment. */
const LAST_EVENT_STEP_MS = 2 * 60 * 60 * 1000;

/** Event reminders: each step once, as a broadcast to every active subscriber, unless it went stale. */
export function createEventSteps(deps: {
  store: ScenarioStore;
  broadcasts: Broadcasts;
  logger: Logger;
  eventStartsAt: number | null;
  liveUrl: string | null;
}) {
  const { store, logger } = deps;

  // Without a live link, its button has nowhere to go.
  function withoutEmptyLinks(rows: ButtonTemplate[][] | undefined): ButtonTemplate[][] {
    return (rows ?? []).map((row) => row.filter((b) => b.url !== "")).filter((row) => row.length > 0);
  }

  return function runEventSteps(now: number, report: RunReport) {
    const scenario = store.find("event");
    if (!scenario?.enabled || deps.eventStartsAt === null) return;
    const steps = store.steps("event");
    for (const [index, step] of steps.entries()) {
      if (step.broadcastId !== null || step.skippedAt !== null) continue;
      const due = deps.eventStartsAt + step.delayMinutes * 60_000;
      if (due > now) continue;
      const next = steps[index + 1];
      const nextDue = next ? deps.eventStartsAt + next.delayMinutes * 60_000 : Number.POSITIVE_INFINITY;
      if (nextDue <= now || now - due > STALE_AFTER_MS) {
        store.updateStep("event", step.position, { skippedAt: now, updatedAt: now });
        report.skipped++;
        logger.info({ step: step.position }, "event reminder skipped: its moment has passed");
        continue;
      }
      // Other parameters ({answer_id}, {ticket_url}…) stay for the engine to fill per recipient.
      const content = prefill(
        {
          kind: "text",
          html: step.text.ru,
          buttons: step.buttons.ru ?? [],
          localized: { en: { html: step.text.en, buttons: step.buttons.en ?? [] } },
        },
        { live_url: deps.liveUrl ?? "" },
      );
      const broadcast = deps.broadcasts.create({
        title: `event reminder ${step.position}`,
        content: {
          ...content,
          buttons: withoutEmptyLinks(content.buttons),
          localized: {
            en: { ...content.localized?.en, buttons: withoutEmptyLinks(content.localized?.en?.buttons) },
          },
        },
        // "We are live" cannot wait for the morning; the day-before and hour-before ones can.
        urgent: step.delayMinutes >= 0,
        // A reminder still going out when the next one is due is too late to be useful: it expires.
        deadline: Number.isFinite(nextDue) ? nextDue : due + LAST_EVENT_STEP_MS,
      });
      // The step remembers its broadcast in the launch's own transaction: a crash in between would
      // otherwise launch the same reminder again at the next tick.
      deps.broadcasts.launch(broadcast.id, {
        alongside: () =>
          store.updateStep("event", step.position, { broadcastId: broadcast.id, updatedAt: now }),
      });
      report.broadcasts++;
      logger.info({ step: step.position, broadcast: broadcast.id }, "event reminder launched");
    }
  };
}
