/**
 * A submission as every provider's parser hands it to the mapping: the provider's own submission
 * id, and the fields, each known by the names the provider gives it (key, ref, id, label, title).
 * Values stay in memory only: the mapping copies the few it is told to and drops the rest unread.
 */
export interface FormField {
  /** Every name the field answers to; the mapping compares them loosely. */
  names: readonly string[];
  /** The answer as text; undefined when it is not text Herald can keep (a file, a payment, an object). */
  value: string | undefined;
}

export interface FormSubmission {
  /** The provider's id of this submission (Typeform's token, Tally's responseId, Tilda's tranid, …). */
  submissionId: string | undefined;
  /** Where the provider carries that id, to name it when it is missing. */
  submissionIdField: string;
  fields: readonly FormField[];
}

export type ParsedForm =
  | { kind: "submission"; submission: FormSubmission }
  /** A builder's connection check (Tilda's `test=test`): answer 200 and write nothing. */
  | { kind: "test" }
  | { kind: "invalid"; message: string };

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A scalar as text; arrays of scalars joined with ", " (several choices); anything else undefined. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => textOf(item) !== undefined && !Array.isArray(item))
  ) {
    return value.map((item) => textOf(item)).join(", ");
  }
  return undefined;
}

/** A provider id as text (some send numbers), or undefined when absent or empty. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** Several names of one field, without the absent ones. */
export function namesOf(...names: unknown[]): string[] {
  return names.filter((name): name is string => typeof name === "string" && name.trim() !== "");
}
