import type { Language, ScenarioTrigger, StepAnchor } from "../db/schema.js";
import { DomainError } from "../errors.js";
import type { ButtonTemplate } from "../messages/content.js";

/** A step overdue by more than this is stale: after downtime it is skipped rather than sent late. */
export const STALE_AFTER_MS = 12 * 60 * 60 * 1000;
/** Delays in minutes: up to 60 days after; event steps up to 30 days before the start. */
export const MAX_DELAY = 60 * 24 * 60;
export const MIN_EVENT_DELAY = -30 * 24 * 60;

export interface Step {
  position: number;
  delayMinutes: number;
  anchor: StepAnchor;
  text: Record<Language, string>;
  buttons: Partial<Record<Language, ButtonTemplate[][]>>;
  broadcastId: number | null;
  skippedAt: number | null;
}

export interface ScenarioView {
  id: string;
  trigger: ScenarioTrigger;
  enabled: boolean;
  steps: Step[];
  funnel: Funnel;
}

/** Where people are in a scenario and how it ended for them. */
export interface Funnel {
  enrolled: number;
  active: number;
  /** By the position of the last step sent (0: none yet): people still going, and those who completed after it. */
  atStep: Record<number, number>;
  completedAfter: Record<number, number>;
  /** Reached the end without completing. */
  finished: number;
  unsubscribed: number;
  blocked: number;
  /** Stopped because their ticket was sent (approved before completing). */
  ticketSent: number;
  /** Stopped because the organisers rejected the answer: no more "finish your registration". */
  rejected: number;
  skippedSteps: number;
  deferredSteps: number;
}

export interface RunReport {
  enrolled: number;
  sent: number;
  stopped: number;
  skipped: number;
  deferred: number;
  finished: number;
  broadcasts: number;
  /** Due runs left for the next tick (the time budget ran out). */
  left: number;
}

export function emptyReport(): RunReport {
  return { enrolled: 0, sent: 0, stopped: 0, skipped: 0, deferred: 0, finished: 0, broadcasts: 0, left: 0 };
}

export class ScenarioError extends DomainError {
  override readonly name = "ScenarioError";
  constructor(
    readonly code: "scenario_not_found" | "step_not_found" | "step_invalid" | "step_out_of_order",
    message: string,
  ) {
    super(message);
  }
}

export interface Scenarios {
  /** Writes the built-in scenarios the first time (organisers' edits are kept afterwards). */
  install(): void;
  /** Enrols new triggers and turns due steps into deliveries; called by cron every minute. */
  runDue(now: number): RunReport;
  /**
   * A form answer was just bound to a Telegram ID: enrols it and queues its welcome now rather than at
   * the next tick, inside the caller's transaction (the binding's). Returns whether a delivery was
   * queued, so the caller wakes the sender after commit. A failure here is logged and leaves the
   * binding alone: the next tick enrols it.
   */
  enrolBound(binding: { answerId: string; telegramId: number; now: number }): boolean;
  list(): ScenarioView[];
  get(id: string): ScenarioView;
  setEnabled(id: string, enabled: boolean): void;
  editStep(
    id: string,
    position: number,
    change: { language?: Language; text?: string; delayMinutes?: number },
  ): Step;
}
