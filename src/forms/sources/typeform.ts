import {
  type FormField,
  idOf,
  isObject,
  type JsonObject,
  namesOf,
  type ParsedForm,
  textOf,
} from "../form-fields.js";

/**
 * Typeform's webhook: `{event_id, event_type: "form_response", form_response: {form_id, token,
 * hidden, definition: {fields}, answers}}`. The submission id is `form_response.token`; an answer
 * is known by its field's ref and id and by its question's title in `definition.fields`; hidden
 * fields (`form_response.hidden`) are fields named by their key.
 */
export function parseTypeform(body: unknown): ParsedForm {
  if (!isObject(body) || !isObject(body.form_response)) {
    return { kind: "invalid", message: "a Typeform webhook body has form_response" };
  }
  const response = body.form_response;
  const titles = new Map<string, string>();
  const definition = isObject(response.definition) ? response.definition : {};
  for (const field of Array.isArray(definition.fields) ? definition.fields : []) {
    if (isObject(field) && typeof field.id === "string" && typeof field.title === "string") {
      titles.set(field.id, field.title);
    }
  }
  const fields: FormField[] = [];
  if (isObject(response.hidden)) {
    for (const [key, value] of Object.entries(response.hidden))
      fields.push({ names: [key], value: textOf(value) });
  }
  for (const answer of Array.isArray(response.answers) ? response.answers : []) {
    if (!isObject(answer)) continue;
    const field = isObject(answer.field) ? answer.field : {};
    const id = typeof field.id === "string" ? field.id : undefined;
    fields.push({
      names: namesOf(field.ref, id, id === undefined ? undefined : titles.get(id)),
      value: answerText(answer),
    });
  }
  return {
    kind: "submission",
    submission: { submissionId: idOf(response.token), submissionIdField: "form_response.token", fields },
  };
}

/** The answer's value by its type (Typeform puts it under a key named like the type). */
function answerText(answer: JsonObject): string | undefined {
  switch (answer.type) {
    case "choice":
      return isObject(answer.choice) ? textOf(answer.choice.label ?? answer.choice.other) : undefined;
    case "choices": {
      if (!isObject(answer.choices)) return undefined;
      const labels = Array.isArray(answer.choices.labels) ? [...answer.choices.labels] : [];
      if (answer.choices.other !== undefined) labels.push(answer.choices.other);
      return textOf(labels);
    }
    case "payment":
    case "file_url":
      // A file's address or a payment is nothing a message template needs.
      return undefined;
    default:
      return typeof answer.type === "string" ? textOf(answer[answer.type]) : undefined;
  }
}
