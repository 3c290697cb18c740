import { type FormField, fieldIndex, idOf, isObject, type ParsedForm, textOf } from "../form-fields.js";

/** Deeper than this a body holds no form answers: the walk goes no further and leaves the rest unread. */
export const MAX_GENERIC_DEPTH = 8;

/**
 * Any JSON object, with the header `X-Herald-Form-Token`. Every text, number or boolean becomes a
 * field named by its dot-path (`contact.city`, `answers.0.value`); a top-level key is its own
 * path. The submission id is the field FORM_ANSWER_FIELD names, or `id`.
 */
export function parseGeneric(body: unknown, idField: string | null): ParsedForm {
  if (!isObject(body)) return { kind: "invalid", message: "the body is a JSON object" };
  const fields: FormField[] = [];
  flatten(body, "", 0, fields);
  const field = idField ?? "id";
  // The mapping's own matcher, so the id is found under every spelling the mapping would accept.
  const found = fieldIndex(fields)(field);
  return {
    kind: "submission",
    submission: { submissionId: idOf(found?.value), submissionIdField: field, fields },
  };
}

/** Collects the fields down to MAX_GENERIC_DEPTH; what lies deeper is left unread. */
function flatten(value: unknown, path: string, depth: number, into: FormField[]): void {
  const text = textOf(value);
  if (text !== undefined && path !== "") {
    into.push({ names: [path], value: text });
    return;
  }
  if (depth >= MAX_GENERIC_DEPTH) return;
  const children: Array<[string, unknown]> = isObject(value)
    ? Object.entries(value)
    : Array.isArray(value)
      ? value.map((child, index) => [String(index), child])
      : [];
  for (const [key, child] of children) flatten(child, path === "" ? key : `${path}.${key}`, depth + 1, into);
}
