import { createHash } from "node:crypto";
import type { DeepLinks } from "../audience/deep-links.js";
import type { Registrations } from "../audience/registrations.js";
import type { Clock } from "../clock.js";
import type { FormsConfig } from "../config.js";
import type { Db } from "../db/client.js";
import { DomainError } from "../errors.js";
import { answerOnce, type EventAnswer, submissionAnswer } from "../http/webhook-events.js";
import type { FormSubmission } from "./form-fields.js";
import { type MappedSubmission, mapSubmission } from "./mapping.js";
import type { FormProvider } from "./providers.js";
import { reportRefusalToWatchers, reportToWatchers } from "./watch.js";

export interface IntakeDeps {
  db: Db;
  clock: Clock;
  forms: FormsConfig;
  registrations: Registrations;
  deepLinks: DeepLinks;
  botUsername(): string | undefined;
  statusOf(error: DomainError): number;
  /** Something was queued (a note to the attendee, a test-submission report): wake the sender. */
  onQueued?(): void;
}

export class FormReferenceError extends DomainError {
  override readonly name = "FormReferenceError";
  readonly code = "invalid_ref";
  constructor(field: string) {
    super(
      `the field "${field}" (FORM_REF_FIELD) is not a reference Herald issued: the form URL must pass it on unchanged`,
    );
  }
}

/** A submission Herald will not take; the message names settings and fields, never a value. */
export interface IntakeRefusal {
  status: number;
  error: string;
  message: string;
}

export type IntakeResult =
  | { ok: false; refusal: IntakeRefusal }
  | {
      ok: true;
      statusCode: number;
      body: Record<string, unknown>;
      replayed: boolean;
      /** Counts for the log line: how many attributes were kept and how many fields dropped. */
      attributes: number;
      dropped: number;
    };

/**
 * The replay key of a provider's submission: its raw id, hashed (it may be long or hold any
 * character). The `/` is outside what the submission webhook's event_id may hold, so no event id
 * an organiser sends there can take a form submission's key.
 */
export function formEventId(provider: FormProvider, submissionKey: string): string {
  return `form/${provider}/${createHash("sha256").update(submissionKey).digest("hex").slice(0, 32)}`;
}

/**
 * Takes a parsed submission from a builder's door: maps it (FORM_* settings), verifies its reference,
 * then binds, records and reports it once per provider submission id — a resent submission gets the
 * first answer and changes nothing. The sender is woken only after all of that has committed.
 */
export function takeFormSubmission(
  deps: IntakeDeps,
  provider: FormProvider,
  submission: FormSubmission,
): IntakeResult {
  const mapping = mapSubmission(provider, submission, deps.forms);
  if (!mapping.ok)
    return { ok: false, refusal: { status: 400, error: mapping.error, message: mapping.message } };
  const mapped = mapping.mapped;
  let telegramId: number | undefined;
  if (mapped.ref !== undefined) {
    telegramId = deps.deepLinks.verifyFormReference(mapped.ref);
    if (telegramId === undefined) {
      const error = new FormReferenceError(deps.forms.refField);
      return {
        ok: false,
        refusal: { status: deps.statusOf(error), error: error.code, message: error.message },
      };
    }
  }
  const now = deps.clock.now();
  const answer = answerOnce(
    deps.db,
    { eventId: formEventId(provider, mapped.submissionKey), kind: `form_${provider}`, now },
    deps.statusOf,
    () => record(deps, provider, mapped, telegramId, now),
    deps.onQueued,
  );
  return {
    ok: true,
    ...answer,
    attributes: Object.keys(mapped.attributes).length,
    dropped: mapped.dropped,
  };
}

/** Inside the event's transaction: the registration, its binding, and the watchers' reports. */
function record(
  deps: IntakeDeps,
  provider: FormProvider,
  mapped: MappedSubmission,
  telegramId: number | undefined,
  now: number,
): EventAnswer {
  const result = deps.registrations.recordSubmission({
    answerId: mapped.answerId,
    ...(deps.forms.fields.length > 0 ? { attributes: mapped.attributes } : {}),
    ...(telegramId !== undefined ? { telegramId } : {}),
  });
  const reported = reportToWatchers(
    deps.db,
    {
      provider,
      answerFrom: mapped.answerFrom,
      refField: deps.forms.refField,
      binding: result.binding ?? "absent",
      filled: Object.keys(mapped.attributes),
      missing: mapped.missing,
      dropped: mapped.dropped,
    },
    now,
  );
  const username = deps.botUsername();
  const link = username === undefined ? null : deps.deepLinks.answerLink(username, mapped.answerId);
  return submissionAnswer(mapped.answerId, { ...result, queued: result.queued || reported > 0 }, link);
}

/**
 * A submission refused after its sender was recognised (a bad body, a personal field, a forged
 * reference): the organisers watching for a test submission hear why. Unauthenticated requests
 * never get here, so nobody else can make Herald write or send anything.
 */
export function reportRefusal(deps: IntakeDeps, provider: FormProvider, refusal: IntakeRefusal): void {
  const queued = reportRefusalToWatchers(deps.db, { provider, ...refusal }, deps.clock.now());
  if (queued > 0) deps.onQueued?.();
}
