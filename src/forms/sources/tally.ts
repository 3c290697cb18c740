import { type FormField, idOf, isObject, namesOf, type ParsedForm, textOf } from "../form-fields.js";

/**
 * Tally's webhook: `{eventId, eventType: "FORM_RESPONSE", data: {responseId, fields: [{key, label,
 * type, value, options?}]}}`. The submission id is `data.responseId`; a field is known by its key
 * and label; hidden fields are fields of type HIDDEN_FIELDS named by their label. Choice values are
 * option ids: they become the options' texts.
 */
export function parseTally(body: unknown): ParsedForm {
  if (!isObject(body) || !isObject(body.data)) {
    return { kind: "invalid", message: "a Tally webhook body has data" };
  }
  const data = body.data;
  const fields: FormField[] = [];
  for (const field of Array.isArray(data.fields) ? data.fields : []) {
    if (!isObject(field)) continue;
    fields.push({ names: namesOf(field.key, field.label), value: fieldText(field.value, field.options) });
  }
  return {
    kind: "submission",
    submission: { submissionId: idOf(data.responseId), submissionIdField: "data.responseId", fields },
  };
}

function fieldText(value: unknown, options: unknown): string | undefined {
  if (!Array.isArray(options)) return textOf(value);
  const texts = new Map<string, string>();
  for (const option of options) {
    if (isObject(option) && typeof option.id === "string" && typeof option.text === "string") {
      texts.set(option.id, option.text);
    }
  }
  const chosen = Array.isArray(value) ? value : [value];
  return textOf(chosen.map((id) => (typeof id === "string" ? (texts.get(id) ?? id) : id)));
}
