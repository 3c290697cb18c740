import { DomainError } from "../errors.js";

/*
 * The personal-data firewall: one list for every door that takes attributes (the submission
 * webhook, list uploads, form connectors, the FORM_FIELDS setting). Herald stores no names,
 * usernames, contacts or documents of anyone, so a field that looks like one is refused with its
 * name, never quietly stored and never quietly dropped where the sender chose to send it.
 */

/** Names that are personal as a whole (compared with their `_` removed: "Ф.И.О." is "фио"). */
const PERSONAL_NAMES: ReadonlySet<string> = new Set(["dob", "inn", "fio", "фио", "инн", "др"]);

/*
 * Two strengths. A person's name, birthday or document cannot be seen in a value ("Иван Петров"
 * looks like any text), so their field names are refused whatever stands around them. Contact
 * words (phone, e-mail, Telegram, address…) are refused too, unless another word says the field is
 * about something else ("Phone OS", "Email updates", "Venue address", "Do you use Telegram?"): a
 * contact that slips through by its name is still caught by its value.
 */

/** Beginnings of words that always make a name personal; matched at word starts ("Фамилия участника"). */
const STRONG_STEMS: readonly string[] = [
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
  "фамил",
  "отчеств",
  "рожден",
  "паспорт",
  "снилс",
  "никнейм",
  "обращаться",
  "представьтесь",
];
const STRONG_WORDS: ReadonlySet<string> = new Set(["fio", "фио", "dob", "др", "ник"]);

/** Beginnings of contact words ("your_phone", "e_mail_address", "Контактное лицо"); "microphone" passes. */
const CONTACT_STEMS: readonly string[] = [
  "phone",
  "telephone",
  "cellphone",
  "email",
  "e_mail",
  "whatsapp",
  "skype",
  "instagram",
  "facebook",
  "телефон",
  "сотов",
  "мобильн",
  "почт",
  "эл_почт",
  "мейл",
  "емейл",
  "емэйл",
  "имейл",
  "имэйл",
  "ватсап",
  "вотсап",
  "вконтакт",
  "инстаграм",
  "контактн",
];
const CONTACT_WORDS: ReadonlySet<string> = new Set([
  "name",
  "names",
  "имя",
  "address",
  "адрес",
  "contact",
  "contacts",
  "контакт",
  "контакты",
  "handle",
  "telegram",
  "телеграм",
  "телеграмм",
  "телега",
  "tg",
  "nick",
  "login",
  "tel",
  "mobile",
  "cell",
  "mail",
  "vk",
  "вк",
  "логин",
  "тел",
  "моб",
  "зовут",
]);

/** Words saying a field is about something other than a person: "company name", "Telegram channel", "Phone OS". */
const OTHER_THINGS: ReadonlySet<string> = new Set([
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
  "hotel",
  "hall",
  "room",
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
  "domain",
  "site",
  "website",
  "channel",
  "chat",
  "bot",
  "app",
  "os",
  "ip",
  "ticket",
  "method",
  "language",
  "consent",
  "updates",
  "notifications",
  "newsletter",
  "preference",
  "preferences",
  "do",
  "does",
  "would",
  "компании",
  "организации",
  "мероприятия",
  "команды",
  "проекта",
  "зала",
  "трека",
  "секции",
  "доклада",
  "площадки",
  "отеля",
  "гостиницы",
  "курса",
  "группа",
  "группы",
  "города",
  "канал",
  "канала",
  "чат",
  "чата",
  "сайта",
  "бот",
  "приложение",
  "рассылка",
  "рассылки",
  "уведомления",
  "согласие",
  "есть",
  "нужен",
  "нужна",
  "нужно",
]);

/** Keys that would reach an object's prototype if a later reader assigned them naively. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Lower case (camelCase split), `ё` as `е`, every run of other characters than letters and digits
 * as one `_`, none at the ends: "E-mail", "e mail" and "e_mail" alike, "userEmail" is "user_email",
 * "Ф.И.О." is "ф_и_о", "Как вас зовут?" is "как_вас_зовут".
 */
export function normaliseFieldName(name: string, splitCamelCase = true): string {
  // After two lower-case letters: "userEmail" splits, "iPhone" does not.
  return (splitCamelCase ? name.replace(/(\p{Ll}{2})(\p{Lu})/gu, "$1_$2") : name)
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
  // "userEmail" is read as user_email, "WhatsApp" as whatsapp: either reading may show it.
  if (looksPersonal(normaliseFieldName(name)) || looksPersonal(normaliseFieldName(name, false))) {
    return personalMessage(name);
  }
  return undefined;
}

function personalMessage(name: string): string {
  return `"${name.trim()}" looks like personal data (a name, contact, birthday or document); Herald stores no personal data, so leave this field out`;
}

/** A question's text is judged like a name while it is short; a long one ("Which track? We'll email you…") is a sentence. */
const LONGEST_NAME_WORDS = 6;

/**
 * personalFieldProblem for a form question known by its text as well as its key. The words before
 * a bracket, question mark or comma are its name ("Name (as on your badge)"); a long sentence is
 * refused only for the strong words (a full name, a birthday, a passport, a nickname).
 */
export function personalQuestionProblem(text: string): string | undefined {
  const head = text.split(/[(?,:;]/)[0] ?? text;
  const short = (part: string) => normaliseFieldName(part).split("_").length <= LONGEST_NAME_WORDS;
  const headProblem = short(head) ? personalFieldProblem(head) : undefined;
  if (headProblem !== undefined || short(text)) return headProblem ?? personalFieldProblem(text);
  const strong =
    looksPersonal(normaliseFieldName(text), true) || looksPersonal(normaliseFieldName(text, false), true);
  return strong ? personalMessage(text) : undefined;
}

function looksPersonal(normal: string, strongOnly = false): boolean {
  const compact = normal.replaceAll("_", "");
  const bounded = `_${normal}`;
  const words = normal.split("_");
  const atWordStart = (stem: string) => bounded.includes(`_${stem}`);
  if (PERSONAL_NAMES.has(compact)) return true;
  if (STRONG_STEMS.some(atWordStart) || words.some((word) => STRONG_WORDS.has(word))) return true;
  if (strongOnly) return false;
  const contact = CONTACT_STEMS.some(atWordStart) || words.some((word) => CONTACT_WORDS.has(word));
  return contact && !words.some((word) => OTHER_THINGS.has(word));
}

/** Links are not contacts (…/t/123-456-7890, medium.com/@herald), except links to a person: wa.me, t.me, tel:. */
const LINK = /\b(?:https?:\/\/|www\.)(?!(?:wa\.me|t\.me|telegram\.me|api\.whatsapp\.com)\/)([^\s?#]*)(\S*)/gi;
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
/** A Telegram username: @name (not inside an address or a link), a t.me link, or "tg: name". */
const USERNAME =
  /(?:^|[\s:(,;])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w.@])|(?:t|telegram)\.me\/[A-Za-z][A-Za-z0-9_]{3,31}|(?<!\p{L})(?:tg|telegram|телеграм\p{L}*|ник)\s*[:—-]\s*@?[A-Za-z][A-Za-z0-9_]{3,31}/iu;
/** A run of digits with the separators people write phone numbers with. */
const DIGIT_RUN = /\+?\d[\d\s().-]{5,}\d/g;
/** Digits announced as a phone ("tel: 912 3456789", "тел. 8 912…"), however they are grouped. */
const ANNOUNCED_PHONE = /(?:tel|тел|phone|моб|whatsapp|wa\.me\/)\D{0,5}(\+?\d[\d\s().-]{7,}\d)/giu;
/** Dates (2026-12-05, 05.12.2026, 5/12/26): digits with separators too, but never a phone. */
const DATE = /\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b/g;

/** Why this value may not be kept (it holds an e-mail address, a phone number or a username), or undefined. */
export function personalValueProblem(value: string): string | undefined {
  // A link's path is not read; its query string is (…/?email=ivan@mail.ru).
  const text = value.replace(LINK, (_link, _path: string, rest: string) => ` ${rest.replace(/^[^?#]*/, "")}`);
  for (const match of text.matchAll(EMAIL)) {
    if (!FILE_EXTENSIONS.has((match[1] ?? "").toLowerCase())) return "holds an e-mail address";
  }
  if (USERNAME.test(text)) return "holds a Telegram username";
  for (const match of text.matchAll(ANNOUNCED_PHONE)) {
    const digits = (match[1] ?? "").replace(/\D/g, "").length;
    if (digits >= 10 && digits <= 15) return "holds a phone number";
  }
  for (const match of text.replace(DATE, " ").matchAll(DIGIT_RUN)) {
    if (looksLikePhone(match[0], match[0].trim() === value.trim())) return "holds a phone number";
  }
  return undefined;
}

/** How phone numbers are grouped when written with separators (digits per group). */
const PHONE_GROUPINGS: ReadonlySet<string> = new Set(["3-3-4", "3-4-4", "1-3-3-4", "4-3-4", "2-4-4"]);

/**
 * International numbers with a `+` (10 to 15 digits); Russian numbers written whole as the whole
 * value (11 digits from 7 or 8, 10 from 9); and 10 to 15 digits written as phones are: with parentheses, as
 * …-345-67-89, or grouped as North American and British numbers are. Order numbers
 * (2024-000123), sums (1 500 000 000), dates and times (10.00 11.30) are none of these.
 */
function looksLikePhone(run: string, wholeValue: boolean): boolean {
  const digits = run.replace(/\D/g, "");
  if (digits.length < 10 || digits.length > 15) return false;
  if (run.startsWith("+") || /[()]/.test(run)) return true;
  const groups = run.split(/[\s.-]+/).filter((group) => group !== "");
  if (groups.length === 1) {
    // Ungrouped digits inside text are as likely an order or promo number ("ticket #80012345678").
    if (!wholeValue) return false;
    return (digits.length === 11 && /^[78]/.test(digits)) || (digits.length === 10 && digits.startsWith("9"));
  }
  const sizes = groups.map((group) => group.length);
  if (sizes.length >= 4 && sizes.at(-1) === 2 && sizes.at(-2) === 2 && sizes.at(-3) === 3) return true;
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
