import { DomainError } from "../errors.js";

/*
 * The personal-data firewall: one list for every door that takes attributes (the submission
 * webhook, list uploads, form connectors, the FORM_FIELDS setting). Herald stores no names,
 * usernames, contacts or documents of anyone, so a field that looks like one is refused with its
 * name, never quietly stored and never quietly dropped where the sender chose to send it.
 */

/** Names that are personal as a whole (compared after normaliseFieldName). */
const PERSONAL_NAMES: ReadonlySet<string> = new Set([
  "name",
  "names",
  "nick",
  "nickname",
  "login",
  "tel",
  "mobile",
  "cell",
  "mail",
  "dob",
  "inn",
  "fio",
  "address",
  "home_address",
  "contact",
  "contacts",
  "whatsapp",
  "viber",
  "telegram",
  "имя",
  "ник",
  "никнейм",
  "логин",
  "тел",
  "мобильный",
  "инн",
  "фио",
  "адрес",
  "контакт",
  "контакты",
  "ватсап",
  "телеграм",
  "телеграмм",
]);

/** Parts that make any name personal wherever they appear ("your_phone", "e_mail_address", "фамилия_участника"). */
const PERSONAL_PARTS: readonly string[] = [
  "phone",
  "email",
  "e_mail",
  "surname",
  "firstname",
  "first_name",
  "lastname",
  "last_name",
  "fullname",
  "full_name",
  "middlename",
  "middle_name",
  "givenname",
  "given_name",
  "familyname",
  "family_name",
  "patronymic",
  "username",
  "user_name",
  "birth",
  "passport",
  "snils",
  "телефон",
  "почт",
  "мейл",
  "фамил",
  "отчеств",
  "рожден",
  "паспорт",
  "снилс",
];

/** Words that make a name personal wherever they stand in it ("ваше_имя", "ник_в_телеграм"), unlike "name" in "company_name". */
const PERSONAL_WORDS: ReadonlySet<string> = new Set([
  "имя",
  "фио",
  "ник",
  "никнейм",
  "nick",
  "nickname",
  "login",
  "логин",
]);

/** Keys that would reach an object's prototype if a later reader assigned them naively. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Lower case, `ё` as `е`, runs of spaces, dashes and dots as one `_`: "E-mail", "e mail" and "e_mail" alike. */
export function normaliseFieldName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[\s.\-:/]+/g, "_");
}

/** Why a field with this name may not be kept, or undefined when it may. */
export function personalFieldProblem(name: string): string | undefined {
  if (PROTOTYPE_KEYS.has(name.trim().toLowerCase())) {
    return `"${name}" is a reserved JavaScript name; rename the field`;
  }
  const normal = normaliseFieldName(name);
  if (
    PERSONAL_NAMES.has(normal) ||
    PERSONAL_PARTS.some((part) => normal.includes(part)) ||
    normal.split("_").some((word) => PERSONAL_WORDS.has(word))
  ) {
    return `"${name}" looks like personal data (a name, contact, birthday or document); Herald stores no personal data, so leave this field out`;
  }
  return undefined;
}

const EMAIL = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[\p{L}]{2,}/u;
/** A run of digits with the separators people write phone numbers with. */
const DIGIT_RUN = /\+?\d[\d\s().-]{5,}\d/g;
/** Dates (2026-12-05, 05.12.2026, 5/12/26): digits with separators too, but never a phone. */
const DATE = /\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b/g;

/** Why this value may not be kept (it holds an e-mail address or a phone number), or undefined. */
export function personalValueProblem(value: string): string | undefined {
  if (EMAIL.test(value)) return "holds an e-mail address";
  for (const match of value.replace(DATE, " ").matchAll(DIGIT_RUN)) {
    if (looksLikePhone(match[0])) return "holds a phone number";
  }
  return undefined;
}

/**
 * International numbers with a `+` (10 to 15 digits), Russian numbers written whole (11 digits
 * from 7 or 8, 10 from 9), and any 10 to 15 digits written with a phone's separators. Dates,
 * times, codes and answer numbers have fewer digits or none of these shapes.
 */
function looksLikePhone(run: string): boolean {
  const digits = run.replace(/\D/g, "");
  if (digits.length < 10 || digits.length > 15) return false;
  if (run.startsWith("+")) return true;
  if (/^\d+$/.test(run)) {
    return (digits.length === 11 && /^[78]/.test(digits)) || (digits.length === 10 && digits.startsWith("9"));
  }
  return /[()]/.test(run) || /\d[\s-]\d/.test(run);
}

export interface PersonalDataFinding {
  field: string;
  reason: string;
}

/** The first attribute (by name, then by value) that holds personal data, if any. */
export function findPersonalData(
  attributes: Readonly<Record<string, string>>,
): PersonalDataFinding | undefined {
  for (const [field, value] of Object.entries(attributes)) {
    const nameProblem = personalFieldProblem(field);
    if (nameProblem !== undefined) return { field, reason: nameProblem };
    const valueProblem = personalValueProblem(value);
    if (valueProblem !== undefined) {
      return { field, reason: `the value of "${field}" ${valueProblem}; Herald stores no personal data` };
    }
  }
  return undefined;
}

export class PersonalDataError extends DomainError {
  override readonly name = "PersonalDataError";
  readonly code = "personal_data";
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** Refuses attributes that hold personal data, naming the field (`where` prefixes it, e.g. `body/attributes/`). */
export function assertNoPersonalData(attributes: Readonly<Record<string, string>>, where = ""): void {
  const finding = findPersonalData(attributes);
  if (finding !== undefined) throw new PersonalDataError(`${where}${finding.field}`, finding.reason);
}
