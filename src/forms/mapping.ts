import { createHash } from "node:crypto";
import { ANSWER_ID_PATTERN } from "../audience/deep-links.js";
import { personalValueProblem } from "../audience/personal-data.js";
import type { FormFieldMapping } from "../config.js";
import type { FormField, FormSubmission } from "./form-fields.js";

/** The longest attribute value Herald keeps (as the submission webhook). */
export const MAX_ATTRIBUTE_LENGTH = 500;

export interface MappingSettings {
  fields: readonly FormFieldMapping[];
  answerField: string | null;
  refField: string;
}

/** What a submission gave Herald, and only names of what it did not take. */
export interface MappedSubmission {
  answerId: string;
  /** The provider's submission id as an answer number: the replay key, whatever the answer number. */
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

/** Field names compared as people write them: case, surrounding and repeated spaces do not matter. */
export function looseName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * A provider's submission id as a Herald answer number (1-40 letters and digits): as it is when it
 * already is one; otherwise its letters and digits joined (Tilda's `1234567:89` → `123456789`), as
 * long as that is 1-40 characters; otherwise (Google's 60-odd-character ids) the first 40 hex
 * digits of its SHA-256. Deterministic, so a resent submission gets the same number.
 */
export function answerNumberOf(submissionId: string): string {
  if (ANSWER_ID_PATTERN.test(submissionId)) return submissionId;
  const joined = submissionId.replace(/[^A-Za-z0-9]/g, "");
  if (ANSWER_ID_PATTERN.test(joined)) return joined;
  return createHash("sha256").update(submissionId).digest("hex").slice(0, 40);
}

/**
 * Takes from a submission what FORM_* settings name — the answer number, the reference, the
 * FORM_FIELDS attributes — and nothing else. Refusals name fields and attributes, never values.
 */
export function mapSubmission(submission: FormSubmission, settings: MappingSettings): MappingResult {
  const used = new Set<FormField>();
  const find = (name: string): FormField | undefined => {
    const wanted = looseName(name);
    const field = submission.fields.find((candidate) => candidate.names.some((n) => looseName(n) === wanted));
    if (field) used.add(field);
    return field;
  };

  const answer = answerNumber(submission, settings, find);
  if (!answer.ok) return answer;
  const refValue = find(settings.refField)?.value?.trim();

  const attributes: Record<string, string> = {};
  const missing: string[] = [];
  for (const { attribute, field } of settings.fields) {
    const value = find(field)?.value?.trim();
    if (value === undefined || value === "") {
      missing.push(attribute);
      continue;
    }
    const problem = personalValueProblem(value);
    if (problem) {
      return {
        ok: false,
        error: "personal_data",
        message: `attribute "${attribute}" (field "${field}") ${problem}; Herald stores no personal data: map another field in FORM_FIELDS`,
      };
    }
    if (value.length > MAX_ATTRIBUTE_LENGTH) {
      return {
        ok: false,
        error: "value_too_long",
        message: `attribute "${attribute}" (field "${field}") is longer than ${MAX_ATTRIBUTE_LENGTH} characters`,
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
  submission: FormSubmission,
  settings: MappingSettings,
  find: (name: string) => FormField | undefined,
): { ok: true; value: AnswerNumber } | Extract<MappingResult, { ok: false }> {
  const idField = submission.submissionIdField;
  const submissionKey =
    submission.submissionId === undefined ? undefined : answerNumberOf(submission.submissionId);
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
        answerId: submissionKey,
        submissionKey,
        answerFrom: { kind: "submission_id", field: idField },
      },
    };
  }
  const field = settings.answerField;
  const value = find(field)?.value?.trim();
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
