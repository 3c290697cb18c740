import { type FormField, idOf, isObject, looseName, type ParsedForm, textOf } from "../form-fields.js";

/** Deeper than this a body is not a form: it is refused, and the walk never goes further. */
export const MAX_GENERIC_DEPTH = 8;

/**
 * Any JSON object, with the header `X-Herald-Form-Token`. Every text, number or boolean becomes a
 * field named by its dot-path (`contact.city`, `answers.0.value`); a top-level key is its own
 * path. The submission id is the field FORM_ANSWER_FIELD names, or `id`.
 */
export function parseGeneric(body: unknown, idField: string | null): ParsedForm {
  if (!isObject(body)) return { kind: "invalid", message: "the body is a JSON object" };
  const fields: FormField[] = [];
  if (!flatten(body, "", 0, fields)) {
    return {
      kind: "invalid",
      message: `the body nests deeper than ${MAX_GENERIC_DEPTH} levels: send the answers as plain values`,
    };
  }
  const field = idField ?? "id";
  // The mapping's own matcher, so the id is found under every spelling the mapping would accept.
  const wanted = looseName(field);
  const found = fields.find((candidate) => candidate.names.some((name) => looseName(name) === wanted));
  return {
    kind: "submission",
    submission: { submissionId: idOf(found?.value), submissionIdField: field, fields },
  };
}

/** Collects the fields; false when something lies deeper than MAX_GENERIC_DEPTH (left unread). */
function flatten(value: unknown, path: string, depth: number, into: FormField[]): boolean {
  const text = textOf(value);
  if (text !== undefined && path !== "") {
    into.push({ names: [path], value: text });
    return true;
  }
  const children: Array<[string, unknown]> = isObject(value)
    ? Object.entries(value)
    : Array.isArray(value)
      ? value.map((child, index) => [String(index), child])
      : [];
  if (children.length === 0) return true;
  if (depth >= MAX_GENERIC_DEPTH) return false;
  for (const [key, child] of children) {
    if (!flatten(child, path === "" ? key : `${path}.${key}`, depth + 1, into)) return false;
  }
  return true;
}
