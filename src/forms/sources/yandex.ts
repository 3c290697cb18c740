import { type FormField, idOf, isObject, namesOf, type ParsedForm, textOf } from "../form-fields.js";

/**
 * The body an organiser types into Yandex Forms ("Integrations" → "Request with a set method",
 * POST, plus the static header `X-Herald-Form-Token: <token>`), for these settings. Each `<…>` is a
 * variable inserted from the form's variable menu, inside the quotes: `id` is the answer's id
 * (Herald's answer number unless FORM_ANSWER_FIELD names another question), FORM_REF_FIELD's
 * hidden question carries Herald's reference from the form URL, and `answers` holds only the
 * questions FORM_FIELDS (and FORM_ANSWER_FIELD) name, keyed by the names used there, so the
 * instructions print the body to paste as it is. Anything else Herald drops unread.
 */
export function yandexBodyTemplate(settings: {
  fields: readonly { field: string }[];
  refField: string;
  answerField: string | null;
}): string {
  const answers: Record<string, string> = {};
  for (const { field } of settings.fields) answers[field] = `<variable: answer to the question ${field}>`;
  if (settings.answerField !== null) {
    answers[settings.answerField] = `<variable: answer to the question ${settings.answerField}>`;
  }
  const body = {
    id: "<variable: answer ID>",
    [settings.refField]: `<variable: answer to the hidden question ${settings.refField}>`,
    answers,
  };
  return JSON.stringify(body, null, 2);
}

/**
 * Reads a body built from yandexBodyTemplate: `id` is the submission id; `ref`, any other
 * top-level text and each entry of `answers` is a field named by its key.
 */
export function parseYandex(body: unknown): ParsedForm {
  if (!isObject(body))
    return { kind: "invalid", message: "the body is a JSON object (see the Yandex template)" };
  const fields: FormField[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === "answers" && isObject(value)) {
      for (const [name, answer] of Object.entries(value))
        fields.push({ names: namesOf(name), value: textOf(answer) });
    } else if (key !== "id") {
      fields.push({ names: namesOf(key), value: textOf(value) });
    }
  }
  return { kind: "submission", submission: { submissionId: idOf(body.id), submissionIdField: "id", fields } };
}
