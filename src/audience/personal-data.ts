import { DomainError } from "../errors.js";

/*
 * The personal-data firewall: one list for every door that takes attributes (the submission
 * webhook, list uploads, form connectors, the FORM_FIELDS setting). Herald stores no names,
 * usernames, contacts or documents of anyone, so a field that looks like one is refused with its
 * name, never quietly stored and never quietly dropped where the sender chose to send it.
 */

/** Names that are personal as a whole (compared after normaliseFieldName, and with its `_` removed). */
const PERSONAL_NAMES: ReadonlySet<string> = new Set(["dob", "inn", "fio", "cell", "фио", "инн", "мобильный"]);

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
  "nickname",
  "birth",
  "passport",
  "snils",
  "whatsapp",
  "телефон",
  "почт",
  "мейл",
  "фамил",
  "отчеств",
  "рожден",
  "паспорт",
  "снилс",
  "никнейм",
  "ватсап",
];

/** Words that make a name personal wherever they stand in it ("Моб. тел.", "Mail address", "Контакты для связи"). */
const PERSONAL_WORDS: ReadonlySet<string> = new Set([
  "nick",
  "login",
  "tel",
  "mobile",
  "mail",
  "address",
  "contact",
  "contacts",
  "handle",
  "telegram",
  "viber",
  "ник",
  "логин",
  "тел",
  "моб",
  "адрес",
  "контакт",
  "контакты",
  "контактный",
  "контактные",
  "зовут",
  "телеграм",
  "телеграмм",
]);

/** "name" is a person's unless it names something else: "company_name", "Name of the team", "Имя команды". */
const NAME_WORDS: ReadonlySet<string> = new Set(["name", "names", "имя"]);
const NAMED_THINGS: ReadonlySet<string> = new Set([
  "company",
  "event",
  "team",
  "project",
  "product",
  "organisation",
  "organization",
  "org",
  "brand",
  "venue",
  "hall",
  "track",
  "session",
  "talk",
  "workshop",
  "course",
  "group",
  "school",
  "university",
  "city",
  "country",
  "file",
  "компании",
  "организации",
  "мероприятия",
  "команды",
  "проекта",
]);

/** Keys that would reach an object's prototype if a later reader assigned them naively. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Lower case, `ё` as `е`, every run of other characters than letters and digits as one `_`, none at
 * the ends: "E-mail", "e mail", "e_mail" alike, "Ф.И.О." is "ф_и_о", "Как вас зовут?" "как_вас_зовут".
 */
export function normaliseFieldName(name: string): string {
  return name
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[^\p{L}\p{N}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
}

/** Why a field with this name may not be kept, or undefined when it may. */
export function personalFieldProblem(name: string): string | undefined {
  if (PROTOTYPE_KEYS.has(name.trim().toLowerCase())) {
    return `"${name}" is a reserved JavaScript name; rename the field`;
  }
  if (looksPersonal(normaliseFieldName(name))) {
    return `"${name}" looks like personal data (a name, contact, birthday or document); Herald stores no personal data, so leave this field out`;
  }
  return undefined;
}

function looksPersonal(normal: string): boolean {
  const compact = normal.replaceAll("_", "");
  if (PERSONAL_NAMES.has(normal) || PERSONAL_NAMES.has(compact)) return true;
  if (PERSONAL_PARTS.some((part) => normal.includes(part) || compact.includes(part.replaceAll("_", "")))) {
    return true;
  }
  const words = normal.split("_");
  if (words.some((word) => PERSONAL_WORDS.has(word))) return true;
  return words.some((word, index) => NAME_WORDS.has(word) && !namesAThing(words, index));
}

/** "company name", "name of the team", "имя команды": the word next to "name" says what is named. */
function namesAThing(words: readonly string[], index: number): boolean {
  const before = words[index - 1];
  const after = words.slice(index + 1).filter((word) => word !== "of" && word !== "the");
  return (
    (before !== undefined && NAMED_THINGS.has(before)) ||
    (after[0] !== undefined && NAMED_THINGS.has(after[0]))
  );
}

/** Links are not contacts: their digits and `@` are paths (…/t/123-456-7890, medium.com/@herald). */
const LINK = /\b(?:https?:\/\/|www\.)\S+/gi;
const EMAIL = /(?<![\p{L}\p{N}._%+/-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(\p{L}{2,})/gu;
/** `logo@2x.png` is a file name, not an address. */
const FILE_EXTENSIONS: ReadonlySet<string> = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "pdf",
  "html",
  "htm",
  "php",
  "js",
  "css",
  "mp4",
]);
/** A run of digits with the separators people write phone numbers with. */
const DIGIT_RUN = /\+?\d[\d\s().-]{5,}\d/g;
/** Dates (2026-12-05, 05.12.2026, 5/12/26): digits with separators too, but never a phone. */
const DATE = /\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b/g;

/** Why this value may not be kept (it holds an e-mail address or a phone number), or undefined. */
export function personalValueProblem(value: string): string | undefined {
  const text = value.replace(LINK, " ");
  for (const match of text.matchAll(EMAIL)) {
    if (!FILE_EXTENSIONS.has((match[1] ?? "").toLowerCase())) return "holds an e-mail address";
  }
  for (const match of text.replace(DATE, " ").matchAll(DIGIT_RUN)) {
    if (looksLikePhone(match[0])) return "holds a phone number";
  }
  return undefined;
}

/** How phone numbers are grouped when written with separators (digits per group). */
const PHONE_GROUPINGS: ReadonlySet<string> = new Set(["3-3-4", "3-4-4", "1-3-3-4", "4-3-4", "2-4-4", "4-6"]);

/**
 * International numbers with a `+` (10 to 15 digits); Russian numbers written whole (11 digits
 * from 7 or 8, 10 from 9); and 10 to 15 digits written as phones are: with parentheses, ending in
 * two pairs (912-345-67-89), or grouped as North American and British numbers are. Order numbers
 * (2024-1205-0042), sums (1 500 000 000) and dates are none of these.
 */
function looksLikePhone(run: string): boolean {
  const digits = run.replace(/\D/g, "");
  if (digits.length < 10 || digits.length > 15) return false;
  if (run.startsWith("+") || /[()]/.test(run)) return true;
  const groups = run.split(/[\s.-]+/).filter((group) => group !== "");
  if (groups.length === 1) {
    return (digits.length === 11 && /^[78]/.test(digits)) || (digits.length === 10 && digits.startsWith("9"));
  }
  const sizes = groups.map((group) => group.length);
  if (sizes.length >= 4 && sizes.at(-1) === 2 && sizes.at(-2) === 2) return true;
  return PHONE_GROUPINGS.has(sizes.join("-"));
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
