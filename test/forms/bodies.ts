import { createHmac } from "node:crypto";
import type { InjectOptions } from "fastify";
import { FORM_TOKEN_HEADER, type FormProvider, formToken } from "../../src/forms/providers.js";

/**
 * Submissions as each builder sends them (shapes from their documentation), with the personal data
 * real forms ask for: names, e-mails and phones that Herald must drop unread.
 */
export const PERSONAL = [
  "Ivan Petrov",
  "ivan.petrov@example.com",
  "+79161234567",
  "Мария Иванова",
  "maria.ivanova@example.org",
  "+7 916 765-43-21",
  "Пётр Сидоров",
  "petr.sidorov@example.net",
  "8 (916) 555-44-33",
] as const;

/** FORM_FIELDS the HTTP tests run with: both fields exist in every provider's sample. */
export const FORM_FIELDS = "city=City,track=Tracks";

export interface Sample {
  /** What the builder posts (JSON is stringified as is). */
  body: unknown;
  /** The answer number Herald derives from this sample's submission id. */
  answerId: string;
}

export function typeformBody(input: {
  token: string;
  ref?: string;
  city?: string;
  eventId?: string;
}): unknown {
  return {
    event_id: input.eventId ?? "01HXZ4TQ8K1Q2W3E4R5T6Y7U8I",
    event_type: "form_response",
    form_response: {
      form_id: "lT4Z3j",
      token: input.token,
      landed_at: "2026-11-21T08:55:12Z",
      submitted_at: "2026-11-21T09:00:00Z",
      hidden: { ...(input.ref === undefined ? {} : { ref: input.ref }), utm_source: "telegram" },
      definition: {
        id: "lT4Z3j",
        title: "Conference registration",
        fields: [
          { id: "DlXFaesGBpoF", title: "What is your name?", type: "short_text", ref: "name_q" },
          { id: "SMEUb7VJz92Q", title: "Your e-mail", type: "email", ref: "email_q" },
          { id: "JwWggjAKtOkA", title: "Phone", type: "phone_number", ref: "phone_q" },
          { id: "k6TP9oLGgHjl", title: "City", type: "multiple_choice", ref: "city_q" },
          { id: "X4BfUUbnjWsV", title: "Tracks", type: "multiple_choice", ref: "tracks_q" },
          { id: "pn48RmPazVdM", title: "Years of experience", type: "number", ref: "years_q" },
          { id: "gFFf3xAkJKsr", title: "Need a visa letter?", type: "yes_no", ref: "visa_q" },
        ],
      },
      answers: [
        { type: "text", text: PERSONAL[0], field: { id: "DlXFaesGBpoF", type: "short_text", ref: "name_q" } },
        { type: "email", email: PERSONAL[1], field: { id: "SMEUb7VJz92Q", type: "email", ref: "email_q" } },
        {
          type: "phone_number",
          phone_number: PERSONAL[2],
          field: { id: "JwWggjAKtOkA", type: "phone_number", ref: "phone_q" },
        },
        {
          type: "choice",
          choice: { label: input.city ?? "Kazan" },
          field: { id: "k6TP9oLGgHjl", type: "multiple_choice", ref: "city_q" },
        },
        {
          type: "choices",
          choices: { labels: ["Backend", "Data"] },
          field: { id: "X4BfUUbnjWsV", type: "multiple_choice", ref: "tracks_q" },
        },
        { type: "number", number: 5, field: { id: "pn48RmPazVdM", type: "number", ref: "years_q" } },
        { type: "boolean", boolean: true, field: { id: "gFFf3xAkJKsr", type: "yes_no", ref: "visa_q" } },
      ],
    },
  };
}

export function tallyBody(input: { responseId: string; ref?: string; city?: string }): unknown {
  const cities = [
    { id: "7d9e5f4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f", text: "Moscow" },
    { id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", text: input.city ?? "Kazan" },
  ];
  const tracks = [
    { id: "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8", text: "Backend" },
    { id: "d2b3c4d5-e6f7-4081-92a3-b4c5d6e7f809", text: "Data" },
    { id: "e3c4d5e6-f708-4192-a3b4-c5d6e7f8091a", text: "Design" },
  ];
  return {
    eventId: "a4cb511e-d513-4fa5-baee-b815d718dfd1",
    eventType: "FORM_RESPONSE",
    createdAt: "2026-11-21T09:00:00.000Z",
    data: {
      responseId: input.responseId,
      submissionId: input.responseId,
      respondentId: "dwQKYm",
      formId: "VwbNEw",
      formName: "Conference registration",
      createdAt: "2026-11-21T09:00:00.000Z",
      fields: [
        { key: "question_3EKz4n", label: "Full name", type: "INPUT_TEXT", value: PERSONAL[3] },
        { key: "question_w4Q4Xn", label: "Email", type: "INPUT_EMAIL", value: PERSONAL[4] },
        { key: "question_mRDB1m", label: "Phone number", type: "INPUT_PHONE_NUMBER", value: PERSONAL[5] },
        {
          key: "question_nPNdOp",
          label: "City",
          type: "MULTIPLE_CHOICE",
          value: [cities[1]?.id],
          options: cities,
        },
        {
          key: "question_3jXV1E",
          label: "Tracks",
          type: "CHECKBOXES",
          value: [tracks[0]?.id, tracks[1]?.id],
          options: tracks,
        },
        { key: "question_3jXV1E_c1a2b3c4", label: "Tracks (Backend)", type: "CHECKBOXES", value: true },
        { key: "question_wMZ8Nq", label: "Comments", type: "TEXTAREA", value: `Call me: ${PERSONAL[5]}` },
        ...(input.ref === undefined
          ? []
          : [{ key: "question_hidden_ref", label: "ref", type: "HIDDEN_FIELDS", value: input.ref }]),
      ],
    },
  };
}

export function tildaBody(input: { tranid: string; ref?: string; city?: string }): string {
  const params = new URLSearchParams({
    Name: PERSONAL[6],
    Email: PERSONAL[7],
    Phone: PERSONAL[8],
    city: input.city ?? "Kazan",
  });
  params.append("tracks", "Backend");
  params.append("tracks", "Data");
  if (input.ref !== undefined) params.set("ref", input.ref);
  params.set("tranid", input.tranid);
  params.set("formid", "form402151822");
  params.set("COOKIES", "_ga=GA1.2.1; tildauid=1700000000000.100000");
  return params.toString();
}

export function yandexBody(input: { id: string | number; ref?: string; city?: string }): unknown {
  return {
    id: input.id,
    ...(input.ref === undefined ? {} : { ref: input.ref }),
    // An organiser who put more into the template than it asks for.
    name: PERSONAL[0],
    answers: {
      City: input.city ?? "Kazan",
      tracks: "Backend, Data",
      "E-mail": PERSONAL[1],
      phone: PERSONAL[2],
    },
  };
}

export function googleBody(input: { responseId: string; ref?: string; city?: string }): unknown {
  return {
    response_id: input.responseId,
    answers: [
      { id: "1290381726", title: "Ваше имя", value: PERSONAL[3] },
      { id: "987654321", title: "Электронная почта", value: PERSONAL[4] },
      { id: "1122334455", title: "City", value: input.city ?? "Kazan" },
      { id: "5566778899", title: "  tracks ", value: "Backend, Data" },
      ...(input.ref === undefined ? [] : [{ id: "1029384756", title: "ref", value: input.ref }]),
    ],
  };
}

export function genericBody(input: { id: string; ref?: string; city?: string }): unknown {
  return {
    submission: { id: input.id, created: "2026-11-21T09:00:00Z" },
    contact: { name: PERSONAL[6], email: PERSONAL[7], phone: PERSONAL[8] },
    answers: { city: input.city ?? "Kazan", tracks: ["Backend", "Data"] },
    ...(input.ref === undefined ? {} : { meta: { ref: input.ref } }),
  };
}

export interface SendOptions {
  /** Sign or derive the token with this secret instead. */
  secret?: string;
  /** Leave the signature or token out. */
  unsigned?: boolean;
  contentType?: string;
  /** Send these bytes (they are what gets signed). */
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

/** A builder's POST to its door, signed or carrying its token as that builder does. */
export function formPost(
  provider: FormProvider,
  secret: string,
  body: unknown,
  options: SendOptions = {},
): InjectOptions {
  const raw =
    options.raw !== undefined
      ? Buffer.from(options.raw)
      : Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8");
  const key = options.secret ?? secret;
  const headers: Record<string, string> = {
    "content-type":
      options.contentType ??
      (provider === "tilda" ? "application/x-www-form-urlencoded" : "application/json"),
  };
  let url = `/webhooks/forms/${provider}`;
  if (!options.unsigned) {
    const mac = createHmac("sha256", key).update(raw).digest("base64");
    if (provider === "typeform") headers["typeform-signature"] = `sha256=${mac}`;
    else if (provider === "tally") headers["tally-signature"] = mac;
    else if (provider === "tilda") url += `/${formToken(key, "tilda")}`;
    else headers[FORM_TOKEN_HEADER] = formToken(key, provider);
  }
  return { method: "POST", url, headers: { ...headers, ...options.headers }, payload: raw };
}
