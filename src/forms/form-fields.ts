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

/** A string, a finite number or a boolean as text; anything else undefined. Never recurses. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return undefined;
}

/**
 * A scalar as text; a flat array of scalars joined with ", " (several choices); anything else
 * (an object, an array holding arrays or objects) undefined. Only one level is looked at, so a body
 * nested 60,000 arrays deep costs one pass over its top array, not a stack overflow.
 */
export function textOf(value: unknown): string | undefined {
  if (!Array.isArray(value)) return scalarText(value);
  if (value.length === 0) return undefined;
  const texts: string[] = [];
  for (const item of value) {
    const text = scalarText(item);
    if (text === undefined) return undefined;
    texts.push(text);
  }
  return texts.join(", ");
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

/** Field names compared as people write them: case, surrounding and repeated spaces do not matter. */
export function looseName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * Finds fields by any of their names, compared loosely; each name is normalised once, so a body
 * with thousands of fields costs one pass, not one per lookup. The first field with a name wins.
 */
export function fieldIndex(fields: readonly FormField[]): (name: string) => FormField | undefined {
  const byName = new Map<string, FormField>();
  for (const field of fields) {
    for (const name of field.names) {
      const key = looseName(name);
      if (!byName.has(key)) byName.set(key, field);
    }
  }
  return (name) => byName.get(looseName(name));
}
