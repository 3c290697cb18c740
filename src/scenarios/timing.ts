import type { QuietHours } from "../config.js";
import type { ScenarioTrigger } from "../db/schema.js";
import { isQuietTime, localMinutes } from "../delivery/time-rules.js";
import { STALE_AFTER_MS, type Step } from "./model.js";

/** When a step falls due for a run, given when the previous step went (or would have gone). */
export function dueAt(step: Step, run: { triggered_at: number }, previousAt: number): number {
  const delay = step.delayMinutes * 60_000;
  if (step.anchor === "previous") return previousAt + delay;
  return run.triggered_at + delay;
}

/** The first moment after `now` outside quiet hours (the morning), or `now` if it is not quiet. */
export function outsideQuietHours(now: number, quietHours: QuietHours | null, timezone: string): number {
  if (!isQuietTime(now, quietHours, timezone) || !quietHours) return now;
  const minutes = localMinutes(now, timezone);
  const wait = (quietHours.end - minutes + 24 * 60) % (24 * 60);
  return now - (now % 60_000) + wait * 60_000;
}

/** What a tick knows of the person behind a run (one row of the `person` query). */
export type PersonRow = Record<string, number | string | null>;

/** Why a run ends before its next step, or null to go on. */
export function stopReason(trigger: ScenarioTrigger, person: PersonRow | undefined) {
  if (!person) return "unsubscribed";
  if (person.status === "blocked") return "blocked";
  if (person.status === "unsubscribed") return "unsubscribed";
  if (trigger === "bound") {
    if (person.completed === 1) return "completed";
    if (person.ticket_sent === 1) return "ticket_sent";
    // "One step is left" is wrong once the organisers decided: an approved answer's ticket is queued
    // with the binding (not sent yet, so ticket_sent says nothing), a rejected one has its answer.
    if (person.moderation === "approved") return "ticket_sent";
    if (person.moderation === "rejected") return "rejected";
  }
  if (trigger === "subscribed" && person.has_answer === 1) return "submitted";
  return null;
}

export interface DueRun {
  next_step: number;
  next_due_at: number;
  last_sent_at: number | null;
  triggered_at: number;
}

/**
 * Catch up after downtime: from the run's next step, skip each step whose successor is due too, or
 * that is long overdue. Returns the step to act on (undefined: none left), its index, when it is due,
 * and how many were skipped.
 */
export function catchUp(run: DueRun, steps: Step[], now: number) {
  let index = steps.findIndex((s) => s.position === run.next_step);
  let previousAt = run.last_sent_at ?? run.triggered_at;
  let skipped = 0;
  // A step moved on purpose (quiet hours, the daily cap) is late from its new time, not its first.
  const dueOf = (step: Step) =>
    skipped === 0 ? Math.max(dueAt(step, run, previousAt), run.next_due_at) : dueAt(step, run, previousAt);
  while (index >= 0 && index < steps.length) {
    const step = steps[index] as Step;
    const due = dueOf(step);
    const next = steps[index + 1];
    const superseded = next !== undefined && dueAt(next, run, due) <= now;
    if (!superseded && now - due <= STALE_AFTER_MS) break;
    skipped++;
    previousAt = due;
    index++;
  }
  const step = index >= 0 ? steps[index] : undefined;
  return { index, step, skipped, due: step ? dueOf(step) : null };
}
