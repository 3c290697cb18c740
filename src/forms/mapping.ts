import { createHash } from "node:crypto";
import { ANSWER_ID_PATTERN } from "../audience/deep-links.js";
import { personalQuestionProblem, personalValueProblem } from "../audience/personal-data.js";
import { MAX_ATTRIBUTE_LENGTH } from "../audience/registrations.js";
import type { FormFieldMapping } from "../config.js";
import { type FormField, type FormSubmission, fieldIndex } from "./form-fields.js";
import type { FormProvider } from "./providers.js";

export interface MappingSettings {
  fields: readonly FormFieldMapping[];
  answerField: string | null;
  refField: string;
}

/** What a submission gave Herald, and only names of what it did not take. */
export interface MappedSubmission {
  answerId: string;
  /**
   * The provider's submission id as sent (or, without one, the answer number): what a resend
   * repeats. Raw, so two different ids never share a replay key, whatever their answer numbers.
   */
  submissionKey: string;
  /** Where the answer number came from: FORM_ANSWER_FIELD's field, or the provider's submission id. */
  answerFrom: { kind: "field"; field: string } | { kind: "submission_id"; field: string };
  /** The reference as sent, when the field was there and not empty. */
  ref: string | undefined;
  attributes: Record<string, string>;
  /** FORM_FIELDS attributes that had no field or an empty one in this submission. */
  missing: string[];
  /** Fields Herald did not read: neither the answer number, the reference nor a mapped attribute. */
  dropped: number;
}

export type MappingResult =
  | { ok: true; mapped: MappedSubmission }
  | {
      ok: false;
      error: "missing_answer_id" | "invalid_answer_id" | "personal_data" | "value_too_long";
      message: string;
    };

/**
 * A provider's submission id as a Herald answer number (1-40 letters and digits), one-to-one, so two
 * different submissions never share a registration:
 * - an id that already is one stays as it is (Typeform's token, Tally's responseId, Yandex's id);
 * - Tilda's `<project>:<n>` becomes `<project>x<n>` (`4702315:1290381` → `4702315x1290381`);
 * - anything else is the first 40 hex digits of its SHA-256 (Google's 60-odd-character ids,
 *   `order-12`, `1, 2`), and so is a Tilda id already shaped `<digits>x<digits>`, which the rule
 *   above would otherwise share with `<digits>:<digits>`.
 * Hex digits never hold an `x`, and a kept id equal to a digest would need a SHA-256 preimage.
 * Deterministic, so a resent submission gets the same number.
 */
export function answerNumberOf(provider: FormProvider, submissionId: string): string {
  if (provider === "tilda") {
    const tranid = /^(\d+):(\d+)$/.exec(submissionId);
    const joined = tranid ? `${tranid[1]}x${tranid[2]}` : undefined;
    if (joined !== undefined && ANSWER_ID_PATTERN.test(joined)) return joined;
    if (ANSWER_ID_PATTERN.test(submissionId) && !/^\d+x\d+$/.test(submissionId)) return submissionId;
  } else if (ANSWER_ID_PATTERN.test(submissionId)) {
    return submissionId;
  }
  return createHash("sha256").update(submissionId).digest("hex").slice(0, 40);
}

/**
 * Why a matched field may not be kept: any of its names (Typeform's ref, id and title, Tally's key
 * and label, …) looks personal, not only the name FORM_FIELDS happened to use for it.
 */
function personalNameProblem(field: FormField): string | undefined {
  for (const name of field.names) {
    const problem = personalQuestionProblem(name);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function personalRefusal(what: string, problem: string): Extract<MappingResult, { ok: false }> {
  return {
    ok: false,
    error: "personal_data",
    message: `${what}: the question ${problem}`,
  };
}

/**
 * Takes from a submission what FORM_* settings name — the answer number, the reference, the
 * FORM_FIELDS attributes — and nothing else. Refusals name fields and attributes, never values.
 */
export function mapSubmission(
  provider: FormProvider,
  submission: FormSubmission,
  settings: MappingSettings,
): MappingResult {
  const used = new Set<FormField>();
  const lookUp = fieldIndex(submission.fields);
  const find = (name: string): FormField | undefined => {
    const field = lookUp(name);
    if (field) used.add(field);
    return field;
  };

  const answer = answerNumber(provider, submission, settings, find);
  if (!answer.ok) return answer;
  const refValue = find(settings.refField)?.value?.trim();

  const attributes: Record<string, string> = {};
  const missing: string[] = [];
  for (const { attribute, field } of settings.fields) {
    const matched = find(field);
    // Checked before the value, present or not: the question itself is what must not be mapped.
    const nameProblem = matched === undefined ? undefined : personalNameProblem(matched);
    if (nameProblem !== undefined) {
      return personalRefusal(`attribute "${attribute}" (field "${field}")`, nameProblem);
    }
    const value = matched?.value?.trim();
    if (value === undefined || value === "") {
      missing.push(attribute);
      continue;
    }
    if (value.length > MAX_ATTRIBUTE_LENGTH) {
      return {
        ok: false,
        error: "value_too_long",
        message: `attribute "${attribute}" (field "${field}") is longer than ${MAX_ATTRIBUTE_LENGTH} characters`,
      };
    }
    const problem = personalValueProblem(value);
    if (problem) {
      return {
        ok: false,
        error: "personal_data",
        message: `attribute "${attribute}" (field "${field}") ${problem}; Herald stores no personal data: map another field in FORM_FIELDS`,
      };
    }
    attributes[attribute] = value;
  }
  return {
    ok: true,
    mapped: {
      ...answer.value,
      ref: refValue === "" ? undefined : refValue,
      attributes,
      missing,
      dropped: submission.fields.filter((field) => !used.has(field)).length,
    },
  };
}

type AnswerNumber = Pick<MappedSubmission, "answerId" | "submissionKey" | "answerFrom">;

function answerNumber(
  provider: FormProvider,
  submission: FormSubmission,
  settings: MappingSettings,
  find: (name: string) => FormField | undefined,
): { ok: true; value: AnswerNumber } | Extract<MappingResult, { ok: false }> {
  const idField = submission.submissionIdField;
  const submissionKey = submission.submissionId;
  if (settings.answerField === null) {
    // A generic body carries its id as a field: that one is read, not dropped.
    find(idField);
    if (submissionKey === undefined) {
      return {
        ok: false,
        error: "missing_answer_id",
        message: `the submission has no ${idField}: it is the answer number`,
      };
    }
    return {
      ok: true,
      value: {
        answerId: answerNumberOf(provider, submissionKey),
        submissionKey,
        answerFrom: { kind: "submission_id", field: idField },
      },
    };
  }
  const field = settings.answerField;
  const matched = find(field);
  const nameProblem = matched === undefined ? undefined : personalNameProblem(matched);
  if (nameProblem !== undefined)
    return personalRefusal(`the field "${field}" (FORM_ANSWER_FIELD)`, nameProblem);
  const value = matched?.value?.trim();
  if (value === undefined || value === "") {
    return {
      ok: false,
      error: "missing_answer_id",
      message: `the field "${field}" (FORM_ANSWER_FIELD) is missing or empty: it is the answer number`,
    };
  }
  if (!ANSWER_ID_PATTERN.test(value) || personalValueProblem(value) !== undefined) {
    return {
      ok: false,
      error: "invalid_answer_id",
      message: `the field "${field}" (FORM_ANSWER_FIELD) must hold 1 to 40 letters or digits and no phone number`,
    };
  }
  // Without a provider id (a generic body whose id is this very field) the answer number is the key.
  return {
    ok: true,
    value: { answerId: value, submissionKey: submissionKey ?? value, answerFrom: { kind: "field", field } },
  };
}
