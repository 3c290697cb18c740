import type { Config } from "../config.js";
import type { Language } from "../messages/language.js";
import { FORM_TOKEN_HEADER, type FormProvider, formToken } from "./providers.js";
import { googleAppsScript } from "./sources/google.js";
import { yandexBodyTemplate } from "./sources/yandex.js";

/**
 * What an organiser pastes into their form builder to connect it to Herald, and where to click:
 * one pure function shared by `npm run forms -- url <provider>` (English) and the cockpit's /forms
 * (the organiser's language), so both always say the same thing.
 */

export type InstructionsConfig = Pick<Config, "publicUrl" | "http" | "forms">;

/** One value to paste, with what the builder calls the box it goes in. */
export interface PasteItem {
  label: string;
  value: string;
  /** The value is a secret (FORM_SECRET or a provider token, or a URL that holds one). */
  secret: boolean;
}

export interface FormInstructions {
  provider: FormProvider;
  /** The builder's name as organisers know it. */
  title: string;
  /** `<PUBLIC_URL>/webhooks/forms/<provider>` (with Tilda's token in the path). */
  url: string;
  /** A warning when `url` is not a public https address a form builder can reach; null when it is. */
  addressWarning: string | null;
  paste: PasteItem[];
  steps: string[];
  /** What Herald keeps of each submission (FORM_FIELDS) and what it drops. */
  fieldsNote: string;
  /** The headings the text and the cockpit use around these parts. */
  labels: { heading: string; paste: string; steps: string };
  /** Code to paste as it is: Google's Apps Script, Yandex Forms' JSON body, a curl test for generic. */
  code: { label: string; text: string } | null;
}

export const PROVIDER_TITLES: Record<FormProvider, string> = {
  typeform: "Typeform",
  tally: "Tally",
  tilda: "Tilda",
  yandex: "Yandex Forms",
  google: "Google Forms",
  generic: "JSON (any system)",
};

/** The header as builders' forms usually spell header names. */
export const FORM_TOKEN_HEADER_DISPLAY = FORM_TOKEN_HEADER.replace(
  /(^|-)([a-z])/g,
  (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`,
);

/** Where Herald listens for a provider: PUBLIC_URL, or the local address when it is not set. */
export function formWebhookUrl(config: InstructionsConfig, provider: FormProvider): string {
  const base = config.publicUrl ?? `http://${config.http.host}:${config.http.port}`;
  const path = `${base}/webhooks/forms/${provider}`;
  const secret = config.forms.secret;
  return provider === "tilda" && secret !== null ? `${path}/${formToken(secret, "tilda")}` : path;
}

export class FormsOffError extends Error {
  override readonly name = "FormsOffError";
  readonly code = "forms_off";
  constructor() {
    super(
      "FORM_SECRET is not set, so the form connectors are off: generate one with `openssl rand -hex 32`, put it in .env as FORM_SECRET=… and restart Herald.",
    );
  }
}

/** The instructions for one builder; throws FormsOffError when FORM_SECRET is not set. */
export function formInstructions(
  provider: FormProvider,
  config: InstructionsConfig,
  language: Language,
): FormInstructions {
  const secret = config.forms.secret;
  if (secret === null) throw new FormsOffError();
  const t = TEXTS[language];
  const title = provider === "generic" ? t.genericTitle : PROVIDER_TITLES[provider];
  const url = formWebhookUrl(config, provider);
  const token = formToken(secret, provider);
  const refParam = config.forms.refParam ?? "ref";
  const ref = config.forms.refField;
  const header: PasteItem[] = [
    { label: t.headerName, value: FORM_TOKEN_HEADER_DISPLAY, secret: false },
    { label: t.headerValue, value: token, secret: true },
  ];
  const paste: Record<FormProvider, PasteItem[]> = {
    typeform: [
      { label: t.webhookUrl, value: url, secret: false },
      { label: t.typeformSecret, value: secret, secret: true },
    ],
    tally: [
      { label: t.webhookUrl, value: url, secret: false },
      { label: t.tallySecret, value: secret, secret: true },
    ],
    tilda: [{ label: t.webhookUrl, value: url, secret: true }],
    yandex: [{ label: t.webhookUrl, value: url, secret: false }, ...header],
    google: [{ label: t.scriptUrl, value: url, secret: false }, ...header],
    generic: [{ label: t.webhookUrl, value: url, secret: false }, ...header],
  };
  return {
    provider,
    title,
    url,
    addressWarning: addressWarning(config, t),
    paste: paste[provider],
    steps: [
      ...(config.forms.provider === provider ? [] : [fillIn(t.setProvider, { provider })]),
      ...t.steps[provider]({ ref, refParam }),
    ],
    fieldsNote: fieldsNote(provider, config, t),
    labels: {
      heading: `${t.connect} ${title}`,
      paste: t.whatToPaste,
      steps: t.stepsTitle,
    },
    code: codeFor(provider, url, token, config, t),
  };
}

const fillIn = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);

function addressWarning(config: InstructionsConfig, t: Texts): string | null {
  if (config.publicUrl === null) return t.noPublicUrl;
  if (!config.publicUrl.startsWith("https://")) return t.notHttps;
  return null;
}

function fieldsNote(provider: FormProvider, config: InstructionsConfig, t: Texts): string {
  const { fields, answerField } = config.forms;
  const listed = fields.map((f) => (f.attribute === f.field ? f.attribute : `${f.attribute}=${f.field}`));
  const kept = listed.length === 0 ? t.keepsNothing : `${t.keepsFields} ${listed.join(", ")}.`;
  // Typeform's token and Google's response id are opaque, and the number Herald derives from them is
  // one the organiser's own system does not know when it sends moderation webhooks.
  const derivedFrom = provider === "typeform" || provider === "google" ? t.derivedFrom[provider] : null;
  const answer =
    answerField !== null
      ? `${t.answerFromField} ${answerField}.`
      : derivedFrom !== null
        ? `${fillIn(t.answerDerived, { source: derivedFrom })} ${t.moderationNeedsAnswer}`
        : t.answerIsSubmissionId;
  return `${kept} ${answer} ${t.dropped}`;
}

function codeFor(
  provider: FormProvider,
  url: string,
  token: string,
  config: InstructionsConfig,
  t: Texts,
): FormInstructions["code"] {
  if (provider === "google") {
    // Only the questions Herald reads leave Google: the reference, the answer number, FORM_FIELDS.
    const { refField, answerField, fields } = config.forms;
    const questions = [
      refField,
      ...(answerField === null ? [] : [answerField]),
      ...fields.map((f) => f.field),
    ];
    return { label: t.appsScriptLabel, text: googleAppsScript(url, token, questions) };
  }
  if (provider === "yandex") return { label: t.yandexTemplateLabel, text: yandexBodyTemplate(config.forms) };
  if (provider !== "generic") return null;
  const body: Record<string, string> = {
    [config.forms.answerField ?? "id"]: "1001",
    [config.forms.refField]: "r-…",
  };
  for (const { field } of config.forms.fields) body[field] = "…";
  return {
    label: t.curlLabel,
    text:
      `curl -X POST '${url}' \\\n  -H 'Content-Type: application/json' \\\n` +
      `  -H '${FORM_TOKEN_HEADER_DISPLAY}: ${token}' \\\n  -d '${JSON.stringify(body)}'`,
  };
}

/** The instructions as plain text, for the terminal. */
export function instructionsText(i: FormInstructions): string {
  const lines = [i.labels.heading, ""];
  if (i.addressWarning) lines.push(`! ${i.addressWarning}`, "");
  lines.push(i.labels.paste);
  for (const item of i.paste) lines.push(`  ${item.label}: ${item.value}`);
  lines.push("", i.labels.steps, ...i.steps.map((step, n) => `  ${n + 1}. ${step}`));
  if (i.code) lines.push("", `${i.code.label}:`, "", i.code.text);
  lines.push("", i.fieldsNote);
  return lines.join("\n");
}

interface StepValues {
  ref: string;
  refParam: string;
}

type Texts = (typeof TEXTS)[Language];

const EN = {
  connect: "Connecting",
  genericTitle: "JSON (any system)",
  setProvider:
    "In Herald's settings set FORM_PROVIDER={provider} (and FORM_URL to the form's public link), so the form link Herald gives attendees carries the reference where this builder reads it; restart Herald.",
  whatToPaste: "What to paste:",
  stepsTitle: "Steps:",
  webhookUrl: "Webhook URL",
  scriptUrl: "URL (already in the script below)",
  headerName: "Header name",
  headerValue: "Header value",
  typeformSecret: "Secret (FORM_SECRET)",
  tallySecret: "Signing secret (FORM_SECRET)",
  appsScriptLabel: "The Apps Script (paste it whole)",
  yandexTemplateLabel: "The request body (paste it whole)",
  curlLabel: "A test submission",
  noPublicUrl:
    "PUBLIC_URL is not set, so this is Herald's local address: a form builder needs a public https address. Set PUBLIC_URL to the address your proxy serves Herald at (e.g. https://herald.example.org) and run this again.",
  notHttps: "PUBLIC_URL is not https: most form builders only post to https addresses.",
  keepsNothing: "Herald keeps only the answer number and the reference (FORM_FIELDS is empty).",
  keepsFields: "Herald keeps the answer number, the reference and FORM_FIELDS:",
  answerIsSubmissionId: "The answer number is the builder's own submission id.",
  answerDerived:
    "The answer number is derived from {source}: the id itself, or a hash of it when it is not 1-40 letters and digits.",
  derivedFrom: { typeform: "Typeform's response token", google: "Google's response id" },
  moderationNeedsAnswer:
    "If your own system also sends Herald moderation webhooks, it must know that number: set FORM_ANSWER_FIELD to a question or hidden field it knows, or take answer_id from the answer Herald returns to the submission.",
  answerFromField: "The answer number comes from the field",
  dropped: "Every other field is dropped unread; names, e-mails and phones are refused, even in FORM_FIELDS.",
  steps: {
    typeform: ({ ref }: StepValues) => [
      `In the form's editor add a hidden field named "${ref}" (Logic → Personalize with data → Hidden fields); Herald's link fills it as #${ref}=….`,
      "Open the form's Connect → Webhooks and press Add a webhook; paste the Webhook URL and save.",
      "Press Edit on that webhook, paste the Secret, save, and switch the webhook On (Typeform adds it switched off).",
      "Test with the real form, not Typeform's Send test request: submit the form once through the form link the bot gives (it carries a reference) or its plain link (no reference). Typeform's sample request may carry placeholder hidden-field values (Herald refuses them: 422 invalid_ref) and always the same token, so a second test request counts as a resend of the first and changes nothing.",
    ],
    tally: ({ ref }: StepValues) => [
      `In the form's editor insert a Hidden fields block (type /hidden) with a field named "${ref}"; Tally fills it from the link's ?${ref}=.`,
      "Open Integrations → Webhooks → Connect; paste the Webhook URL and the Signing secret, then Connect.",
      "Publish the form and submit it once: that is the test.",
    ],
    tilda: ({ ref }: StepValues) => [
      "Site settings → Forms → Webhook: paste the Webhook URL (its last part is Herald's token for Tilda) and add it; Tilda checks it at once and Herald answers ok.",
      `In each form block's Content, tick this webhook among the services that receive data; add a hidden field named "${ref}" filled from the page link's parameter ${ref}.`,
      "Republish the page and submit the form once: that is the test.",
    ],
    yandex: ({ ref, refParam }: StepValues) => [
      "Yandex Forms sends its requests only over IPv6, from 2a02:6b8:c00::/40: the host in PUBLIC_URL needs an AAAA record, and your proxy (and firewall) must accept that range over IPv6. Otherwise nothing arrives.",
      `Add a short-text question, make it hidden, and set its ID to "${refParam}" (or put its ID in FORM_REF_PARAM): Yandex Forms fills it from the link's ?${refParam}=.`,
      'Open the form\'s Integrations, add "Request with a set method": method POST, paste the Webhook URL, and add a header with the Header name and Header value above.',
      `Body: paste the request body below; replace each <variable: …> with that variable from the form's variable menu, inside the quotes: "id" the answer ID, "${ref}" the hidden question, and in "answers" one line per FORM_FIELDS name. Save.`,
      'Each variable sits inside JSON quotes, so an answer containing " or \\ breaks the body: Herald answers 400 invalid_json and Yandex Forms does not send it again, so that registration is lost. If your Yandex Forms offers a JSON-escaped variable, use it; otherwise map in FORM_FIELDS only choice questions and short answers (a city, a track).',
      "Submit the form once: that is the test.",
    ],
    google: ({ ref, refParam }: StepValues) => [
      `Add a short-answer question titled "${ref}" (FORM_REF_FIELD) for Herald's reference. Find its entry id: ⋮ → Get pre-filled link, type anything in it, copy the link (it holds entry.<digits>=) and set FORM_REF_PARAM to it (${refParam.startsWith("entry.") ? `now ${refParam}` : "not set yet"}), so Herald's form link pre-fills it.`,
      `Attendees see this question: put it alone on the form's last section and say in its description that it must stay as it is. An edited reference is refused (422 invalid_ref), and as the script mutes HTTP errors the attendee still sees their response recorded while the registration never reaches Herald; Herald's log shows it as "form submission refused" with invalid_ref.`,
      "In the form: ⋮ → Apps Script; replace the code with the script below and save. The script picks questions by their titles: name Google questions by their title in FORM_FIELDS and FORM_ANSWER_FIELD (an item id there is never sent).",
      "Pick installTrigger in the function list and press Run once; allow it to read the form and connect to Herald. It sends only the questions Herald reads.",
      "Submit the form once: that is the test.",
    ],
    generic: ({ ref }: StepValues) => [
      "Make your system POST each submission as JSON to the Webhook URL, with the header above.",
      `Put the answer number in FORM_ANSWER_FIELD's field and Herald's reference in "${ref}" (FORM_REF_FIELD).`,
      "Send the test submission below once.",
    ],
  },
};

const RU: typeof EN = {
  connect: "Подключение:",
  genericTitle: "JSON (любая система)",
  setProvider:
    "В настройках Herald задайте FORM_PROVIDER={provider} (и FORM_URL — публичную ссылку на форму), чтобы ссылка на форму, которую Herald даёт участникам, несла ссылку-привязку туда, где её читает этот конструктор; перезапустите Herald.",
  whatToPaste: "Что вставить:",
  stepsTitle: "Шаги:",
  webhookUrl: "URL вебхука",
  scriptUrl: "URL (уже в скрипте ниже)",
  headerName: "Имя заголовка",
  headerValue: "Значение заголовка",
  typeformSecret: "Secret (FORM_SECRET)",
  tallySecret: "Signing secret (FORM_SECRET)",
  appsScriptLabel: "Скрипт Apps Script (вставьте целиком)",
  yandexTemplateLabel: "Тело запроса (вставьте целиком)",
  curlLabel: "Тестовая заявка",
  noPublicUrl:
    "PUBLIC_URL не задан, поэтому это локальный адрес Herald: конструктору форм нужен публичный адрес https. Задайте PUBLIC_URL — адрес, по которому ваш прокси открывает Herald (например https://herald.example.org), — и повторите.",
  notHttps: "PUBLIC_URL не https: большинство конструкторов форм отправляют только на https.",
  keepsNothing: "Herald сохранит только номер анкеты и ссылку-привязку (FORM_FIELDS пуст).",
  keepsFields: "Herald сохранит номер анкеты, ссылку-привязку и FORM_FIELDS:",
  answerIsSubmissionId: "Номер анкеты — собственный номер ответа в конструкторе.",
  answerDerived:
    "Номер анкеты выводится из {source}: это сам идентификатор или его хеш, если он не из 1–40 латинских букв и цифр.",
  derivedFrom: { typeform: "токена ответа Typeform", google: "идентификатора ответа Google" },
  moderationNeedsAnswer:
    "Если ваша система тоже шлёт Herald вебхуки модерации, ей нужен этот номер: задайте FORM_ANSWER_FIELD — вопрос или скрытое поле, которое она знает, — или берите answer_id из ответа Herald на заявку.",
  answerFromField: "Номер анкеты берётся из поля",
  dropped:
    "Все остальные поля отбрасываются не читая; имена, e-mail и телефоны не принимаются даже в FORM_FIELDS.",
  steps: {
    typeform: ({ ref }) => [
      `В редакторе формы добавьте скрытое поле «${ref}» (Logic → Personalize with data → Hidden fields): ссылка Herald заполнит его как #${ref}=….`,
      "Откройте Connect → Webhooks формы и нажмите Add a webhook; вставьте URL вебхука и сохраните.",
      "Нажмите Edit у этого вебхука, вставьте Secret, сохраните и включите вебхук (On): Typeform добавляет его выключенным.",
      "Проверяйте настоящей формой, а не кнопкой Send test request в Typeform: отправьте форму один раз по ссылке, которую даёт бот (в ней ссылка-привязка), или по обычной ссылке (без привязки). Тестовый запрос Typeform может нести значения-заглушки в скрытых полях (Herald их отклоняет: 422 invalid_ref) и всегда один и тот же токен, так что второй тестовый запрос считается повтором первого и ничего не меняет.",
    ],
    tally: ({ ref }) => [
      `В редакторе формы вставьте блок Hidden fields (наберите /hidden) с полем «${ref}»: Tally заполнит его из ?${ref}= в ссылке.`,
      "Откройте Integrations → Webhooks → Connect; вставьте URL вебхука и Signing secret, нажмите Connect.",
      "Опубликуйте форму и отправьте её один раз: это и есть проверка.",
    ],
    tilda: ({ ref }) => [
      "Настройки сайта → Формы → Webhook: вставьте URL вебхука (его последняя часть — токен Herald для Tilda) и добавьте; Tilda сразу проверит адрес, Herald ответит «ok».",
      `В каждом блоке формы (Контент) отметьте этот вебхук среди сервисов приёма данных; добавьте скрытое поле «${ref}», заполняемое из параметра ${ref} ссылки страницы.`,
      "Переопубликуйте страницу и отправьте форму один раз: это и есть проверка.",
    ],
    yandex: ({ ref, refParam }) => [
      "Яндекс Формы отправляют запросы только по IPv6, из сети 2a02:6b8:c00::/40: хосту из PUBLIC_URL нужна запись AAAA, а ваш прокси (и файрвол) должен принимать эту сеть по IPv6. Иначе ничего не дойдёт.",
      `Добавьте вопрос «Короткий текст», сделайте его скрытым и задайте ему идентификатор «${refParam}» (или впишите его идентификатор в FORM_REF_PARAM): Яндекс Формы заполнят его из ?${refParam}= в ссылке.`,
      "Откройте вкладку «Интеграции» формы и добавьте «Запрос заданным методом»: метод POST, вставьте URL вебхука и добавьте заголовок с именем и значением заголовка выше.",
      `Тело запроса: вставьте тело ниже и замените каждое <variable: …> переменной из меню переменных формы, внутри кавычек: "id" — ID ответа, "${ref}" — скрытый вопрос, в "answers" — по строке на каждое имя из FORM_FIELDS. Сохраните.`,
      'Каждая переменная стоит внутри кавычек JSON, поэтому ответ с " или \\ ломает тело: Herald ответит 400 invalid_json, а Яндекс Формы не отправят его повторно — эта регистрация потеряется. Если ваши Яндекс Формы предлагают переменную с экранированием для JSON, используйте её; иначе указывайте в FORM_FIELDS только вопросы с выбором и короткие ответы (город, секция).',
      "Отправьте форму один раз: это и есть проверка.",
    ],
    google: ({ ref, refParam }) => [
      `Добавьте вопрос «Текст (строка)» с названием «${ref}» (FORM_REF_FIELD) для ссылки-привязки Herald. Узнайте его entry: ⋮ → Получить ссылку для предзаполнения, впишите что угодно, скопируйте ссылку (в ней есть entry.<цифры>=) и задайте его в FORM_REF_PARAM (${refParam.startsWith("entry.") ? `сейчас ${refParam}` : "пока не задан"}), и ссылка Herald на форму заполнит его.`,
      "Участники видят этот вопрос: поставьте его один в последний раздел формы и напишите в описании, что его нельзя менять. Изменённая ссылка-привязка отклоняется (422 invalid_ref), а скрипт не показывает ошибок HTTP, поэтому участник видит, что ответ записан, но регистрация до Herald не доходит; в журнале Herald это «form submission refused» с invalid_ref.",
      "В форме: ⋮ → Редактор скриптов (Apps Script); замените код скриптом ниже и сохраните. Скрипт выбирает вопросы по названию: в FORM_FIELDS и FORM_ANSWER_FIELD называйте вопросы Google их названиями (идентификатор вопроса там не отправится никогда).",
      "Выберите installTrigger в списке функций и нажмите «Выполнить» один раз; разрешите доступ к форме и к Herald. Скрипт отправляет только вопросы, которые читает Herald.",
      "Отправьте форму один раз: это и есть проверка.",
    ],
    generic: ({ ref }) => [
      "Настройте свою систему: каждая заявка — POST с JSON на URL вебхука, с заголовком выше.",
      `Номер анкеты — в поле FORM_ANSWER_FIELD, ссылка-привязка Herald — в поле «${ref}» (FORM_REF_FIELD).`,
      "Отправьте тестовую заявку ниже один раз.",
    ],
  },
};

const TEXTS: Record<Language, typeof EN> = { en: EN, ru: RU };
