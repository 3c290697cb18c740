import { type FormField, idOf, isObject, namesOf, type ParsedForm, textOf } from "../form-fields.js";

/**
 * Google Forms has no webhook: an installable Apps Script trigger posts each response as
 * `{"response_id": "<FormResponse.getId()>", "answers": [{"id": "<item id>", "title": "<question>",
 * "value": "<answer>"}]}` with the header `X-Herald-Form-Token`. The script sends only the
 * questions it is given (by title), so names, e-mails and phones the form asks for never leave
 * Google; Herald drops whatever else arrives anyway.
 */
export function googleAppsScript(url: string, token: string, questions: readonly string[] = []): string {
  return `// Herald: sends each response of this form to Herald.
// Paste into the form's Extensions → Apps Script, save, pick "installTrigger" and press Run once
// (it asks for permission to read the form and connect to Herald).
const HERALD_URL = ${JSON.stringify(url)};
const HERALD_TOKEN = ${JSON.stringify(token)};
// The only questions sent, by title (case and extra spaces ignored); an empty list sends every answer.
const HERALD_QUESTIONS = ${JSON.stringify(questions)};

function installTrigger() {
  const form = FormApp.getActiveForm();
  ScriptApp.getProjectTriggers()
    .filter(function (trigger) { return trigger.getHandlerFunction() === "sendToHerald"; })
    .forEach(function (trigger) { ScriptApp.deleteTrigger(trigger); });
  ScriptApp.newTrigger("sendToHerald").forForm(form).onFormSubmit().create();
}

function sendToHerald(e) {
  const wanted = HERALD_QUESTIONS.map(heraldNormal);
  const answers = [];
  e.response.getItemResponses().forEach(function (itemResponse) {
    const item = itemResponse.getItem();
    const title = item.getTitle();
    if (wanted.length > 0 && wanted.indexOf(heraldNormal(title)) === -1) return;
    const value = itemResponse.getResponse();
    answers.push({ id: String(item.getId()), title: title, value: Array.isArray(value) ? value.join(", ") : String(value) });
  });
  UrlFetchApp.fetch(HERALD_URL, {
    method: "post",
    contentType: "application/json",
    headers: { "X-Herald-Form-Token": HERALD_TOKEN },
    payload: JSON.stringify({ response_id: e.response.getId(), answers: answers }),
    muteHttpExceptions: true,
  });
}

function heraldNormal(text) {
  return String(text).trim().replace(/\\s+/g, " ").toLowerCase();
}
`;
}

/** Reads the script's body: `response_id` is the submission id; each answer is named by its title and id. */
export function parseGoogle(body: unknown): ParsedForm {
  if (!isObject(body)) return { kind: "invalid", message: "the body is a JSON object (see the Apps Script)" };
  const fields: FormField[] = [];
  for (const answer of Array.isArray(body.answers) ? body.answers : []) {
    if (isObject(answer))
      fields.push({ names: namesOf(answer.title, idOf(answer.id)), value: textOf(answer.value) });
  }
  return {
    kind: "submission",
    submission: { submissionId: idOf(body.response_id), submissionIdField: "response_id", fields },
  };
}
