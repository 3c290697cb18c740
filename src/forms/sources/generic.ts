import { type FormField, idOf, isObject, looseName, type ParsedForm, textOf } from "../form-fields.js";

/** Deeper than this a body is not a form; the rest is dropped unread (and the walk stays bounded). */
const MAX_DEPTH = 8;

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
  const wanted = looseName(field);
  const found = fields.find((candidate) => candidate.names.some((name) => looseName(name) === wanted));
  return {
    kind: "submission",
    submission: { submissionId: idOf(found?.value), submissionIdField: field, fields },
  };
}

function flatten(value: unknown, path: string, depth: number, into: FormField[]): void {
  const text = textOf(value);
  if (text !== undefined && path !== "") {
    into.push({ names: [path], value: text });
    return;
  }
  if (depth >= MAX_DEPTH) return;
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value))
      flatten(child, path === "" ? key : `${path}.${key}`, depth + 1, into);
  } else if (Array.isArray(value)) {
    for (const [index, child] of value.entries()) {
      flatten(child, path === "" ? String(index) : `${path}.${index}`, depth + 1, into);
    }
  }
}
