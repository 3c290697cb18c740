import type { BindOutcome } from "../audience/registration-rows.js";
import type { FormProvider } from "../forms/providers.js";
import { escapeHtml } from "./html.js";
import type { Language } from "./language.js";
import type { OutgoingMessage } from "./outgoing.js";
import { fill as fillPlaceholders } from "./placeholders.js";
import { render } from "./render.js";

/**
 * What a test submission gave Herald, for the organiser who asked to watch for one (`/forms`).
 * Names only — of settings, fields and attributes — never a value the form sent.
 */
export interface FormReport {
  provider: FormProvider;
  answerFrom: { kind: "field" | "submission_id"; field: string };
  /** FORM_REF_FIELD, and what its reference did: absent, or the binding's outcome. */
  refField: string;
  binding: BindOutcome | "absent";
  filled: readonly string[];
  missing: readonly string[];
  dropped: number;
}

const texts = {
  ru: {
    title: "🧪 <b>Тестовая заявка из {provider} получена</b>",
    answerField: "Номер заявки — из поля «{field}» (FORM_ANSWER_FIELD).",
    answerId: "Номер заявки — идентификатор отправки ({field}).",
    refAbsent: "Ссылки из бота нет: поле «{field}» не пришло или пустое — заявка не привязана к Telegram.",
    bound: "Ссылка из бота в поле «{field}» найдена: заявка привязана к Telegram участника.",
    already_bound: "Ссылка из бота в поле «{field}» найдена: заявка уже была привязана.",
    conflict: "Ссылка из бота в поле «{field}» найдена, но заявка привязана к другому Telegram ID.",
    filled: "Заполнены параметры: {names}.",
    noneFilled: "Ни один параметр из FORM_FIELDS не заполнен.",
    missing: "Не пришли: {names}.",
    dropped: "Прочих полей отброшено без чтения: {count}.",
  },
  en: {
    title: "🧪 <b>A test submission from {provider} has arrived</b>",
    answerField: "The answer number came from the field “{field}” (FORM_ANSWER_FIELD).",
    answerId: "The answer number is the submission id ({field}).",
    refAbsent:
      "No bot reference: the field “{field}” was missing or empty, so the answer is not linked to Telegram.",
    bound: "The bot reference in “{field}” was found: the answer is linked to the attendee's Telegram.",
    already_bound: "The bot reference in “{field}” was found: the answer was already linked.",
    conflict: "The bot reference in “{field}” was found, but the answer is linked to another Telegram ID.",
    filled: "Attributes filled: {names}.",
    noneFilled: "No attribute of FORM_FIELDS was filled.",
    missing: "Not in this submission: {names}.",
    dropped: "Other fields dropped unread: {count}.",
  },
} satisfies Record<Language, Record<string, string>>;

/** The one placeholder filler, for values this module has escaped already (names set in <code>). */
function fill(template: string, values: Record<string, string>): string {
  return fillPlaceholders(template, values, (value) => value);
}

export function formReportMessage(language: Language, report: FormReport): OutgoingMessage {
  const t = texts[language];
  const names = (list: readonly string[]) =>
    list.map((name) => `<code>${escapeHtml(name)}</code>`).join(", ");
  const lines = [
    fill(t.title, { provider: escapeHtml(report.provider) }),
    "",
    fill(report.answerFrom.kind === "field" ? t.answerField : t.answerId, {
      field: escapeHtml(report.answerFrom.field),
    }),
    fill(report.binding === "absent" ? t.refAbsent : t[report.binding], {
      field: escapeHtml(report.refField),
    }),
    report.filled.length > 0 ? fill(t.filled, { names: names(report.filled) }) : t.noneFilled,
  ];
  if (report.missing.length > 0) lines.push(fill(t.missing, { names: names(report.missing) }));
  lines.push(fill(t.dropped, { count: String(report.dropped) }));
  return { html: lines.join("\n"), disablePreview: true };
}

/** A submission from a watched builder that Herald refused: the reason names settings and fields, never values. */
export interface FormRefusalReport {
  provider: FormProvider;
  status: number;
  error: string;
  message: string;
}

const refusalTexts = {
  ru: "🧪 <b>Заявка из {provider} не принята</b> ({status} {error}):\n{message}\n\nЕсли это ваша проверка, исправьте форму или настройки и отправьте ещё раз — я слежу час с начала проверки.",
  en: "🧪 <b>A submission from {provider} was refused</b> ({status} {error}):\n{message}\n\nIf this was your test, fix the form or the settings and submit it again — I keep watching for an hour from when you started.",
} satisfies Record<Language, string>;

export function formRefusalMessage(language: Language, report: FormRefusalReport): OutgoingMessage {
  const params = { ...report, status: String(report.status) };
  return render({ kind: "text", html: refusalTexts[language], disablePreview: true }, params);
}
