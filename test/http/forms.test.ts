import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type FormProvider, formToken } from "../../src/forms/providers.js";
import {
  FORM_FIELDS,
  formPost,
  genericBody,
  googleBody,
  PERSONAL,
  type SendOptions,
  tallyBody,
  tildaBody,
  typeformBody,
  yandexBody,
} from "../forms/bodies.js";
import { FORM_SECRET, type FormHarness, formHarness } from "../forms/harness.js";

const ATTENDEE = 700_000_001;
const GOOGLE_ID = "2_ABaOnudM8QhKjEOyP2fnkeG_u0Lp7yD3X2VNNqnFn2Kk1b9y0sTvUIqKpGr-9DMuOXKEzkE";

interface Case {
  provider: FormProvider;
  env: Record<string, string>;
  /** A submission with this variant's reference and city; `answerId` is the number Herald should give it. */
  sample(input: { ref?: string; city?: string }): { body: unknown; answerId: string };
}

const CASES: Case[] = [
  {
    provider: "typeform",
    env: { FORM_FIELDS },
    sample: (input) => ({
      body: typeformBody({ token: "a3a12ec67a1365927098a606107fac15", ...input }),
      answerId: "a3a12ec67a1365927098a606107fac15",
    }),
  },
  {
    provider: "tally",
    env: { FORM_FIELDS },
    sample: (input) => ({ body: tallyBody({ responseId: "2wgx4n", ...input }), answerId: "2wgx4n" }),
  },
  {
    provider: "tilda",
    env: { FORM_FIELDS },
    // Tilda's `<project>:<n>` as `<project>x<n>`.
    sample: (input) => ({
      body: tildaBody({ tranid: "4702315:1290381", ...input }),
      answerId: "4702315x1290381",
    }),
  },
  {
    provider: "yandex",
    env: { FORM_FIELDS },
    sample: (input) => ({ body: yandexBody({ id: 1234567890, ...input }), answerId: "1234567890" }),
  },
  {
    provider: "google",
    env: { FORM_FIELDS, FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.1029384756" },
    // Longer than 40 once its letters and digits are joined: the first 40 hex digits of its SHA-256.
    sample: (input) => ({
      body: googleBody({ responseId: GOOGLE_ID, ...input }),
      answerId: createHash("sha256").update(GOOGLE_ID).digest("hex").slice(0, 40),
    }),
  },
  {
    provider: "generic",
    env: {
      FORM_FIELDS: "city=answers.city,track=answers.tracks",
      FORM_ANSWER_FIELD: "submission.id",
      FORM_REF_FIELD: "meta.ref",
    },
    sample: (input) => ({ body: genericBody({ id: "ord42", ...input }), answerId: "ord42" }),
  },
];

const open: FormHarness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

function setup(env: Record<string, string> = {}): FormHarness {
  const harness = formHarness(env);
  open.push(harness);
  return harness;
}

function expectNothingWritten(h: FormHarness): void {
  for (const [table, rows] of Object.entries(h.snapshot())) expect(rows, `rows in ${table}`).toEqual([]);
}

/** The personal data of the samples, as sent and as a URL-encoded form carries it. */
function expectNoPersonalData(text: string): void {
  for (const value of PERSONAL) {
    expect(text).not.toContain(value);
    expect(text).not.toContain(new URLSearchParams({ v: value }).toString().slice(2));
    expect(text).not.toContain(JSON.stringify(value).slice(1, -1));
  }
}

describe.each(CASES)("POST /webhooks/forms/$provider", ({ provider, env, sample }) => {
  const post = (h: FormHarness, body: unknown, options?: SendOptions) =>
    h.send(formPost(provider, FORM_SECRET, body, options));

  it("creates the registration (201), binds it by ref, keeps only the mapped attributes, and stores and logs no personal data", async () => {
    const h = setup(env);
    h.subscribe(ATTENDEE);
    const { body, answerId } = sample({ ref: h.deepLinks.formReference(ATTENDEE) });
    const response = await post(h, body);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({
      answer_id: answerId,
      created: true,
      binding: "bound",
      deep_link: h.deepLinks.answerLink("herald_test_bot", answerId),
    });
    const [registration, ...others] = h.rows("registrations");
    expect(others).toEqual([]);
    expect(registration).toMatchObject({ answer_id: answerId, telegram_id: ATTENDEE });
    expect(JSON.parse(String(registration?.attributes))).toEqual({ city: "Kazan", track: "Backend, Data" });
    expect(h.deliveries().map((row) => [row.job_key, row.telegram_id])).toEqual([
      [`linked:${answerId}`, ATTENDEE],
    ]);

    const records = h.logs.records().filter((record) => record.msg === "form submission");
    expect(records).toEqual([expect.objectContaining({ provider, attributes: 2, replayed: false })]);
    expectNoPersonalData(h.logs.text());
    // Tilda's token rides in the URL path: neither it nor the secret reaches the logs.
    expect(h.logs.text()).not.toContain(formToken(FORM_SECRET, provider));
    expect(h.logs.text()).not.toContain(FORM_SECRET);
    const stored = await h.closeAndReadFile();
    // The search reads the real file: the mapped attribute is there, the rest of the body is not.
    expect(stored).toContain("Backend, Data");
    expectNoPersonalData(stored);
  });

  it("answers a resent submission (same submission id) with the first answer and changes nothing", async () => {
    const h = setup(env);
    h.subscribe(ATTENDEE);
    const first = await post(h, sample({ ref: h.deepLinks.formReference(ATTENDEE) }).body);
    expect(first.statusCode).toBe(201);
    const before = h.snapshot();
    const wakeUps = h.wakeUps();

    const again = await post(h, sample({ ref: h.deepLinks.formReference(ATTENDEE) }).body);
    const changed = await post(h, sample({ ref: h.deepLinks.formReference(ATTENDEE), city: "Omsk" }).body);
    for (const replay of [again, changed]) {
      expect(replay.statusCode).toBe(201);
      expect(replay.json()).toEqual(first.json());
    }
    expect(h.snapshot()).toEqual(before);
    expect(h.rows("webhook_events")).toHaveLength(1);
    expect(h.wakeUps()).toBe(wakeUps);
  });

  it("records an answer from a form opened without a reference, unbound", async () => {
    const h = setup(env);
    const { body, answerId } = sample({});
    const response = await post(h, body);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ answer_id: answerId, binding: null });
    expect(h.rows("registrations")).toEqual([
      expect.objectContaining({ answer_id: answerId, telegram_id: null }),
    ]);
    expect(h.deliveries()).toEqual([]);
  });

  it("refuses a wrong secret and a missing signature or token with 401, writing nothing", async () => {
    const h = setup(env);
    const { body } = sample({ ref: h.deepLinks.formReference(ATTENDEE) });
    for (const options of [{ secret: "another-secret-0123456789abcdef" }, { unsigned: true }]) {
      const response = await post(h, body, options);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: "unauthorized", message: expect.any(String) });
    }
    expectNothingWritten(h);
    expect(h.logs.text()).not.toContain(FORM_SECRET);
  });

  it("refuses a mapped attribute holding an e-mail or a phone with 400 naming it, writing nothing", async () => {
    const h = setup(env);
    for (const city of ["write to ivan.petrov@example.com", "+7 916 123-45-67"]) {
      const response = await post(h, sample({ city }).body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        error: "personal_data",
        message: expect.stringContaining('"city"'),
      });
      expect(response.body).not.toContain(city);
    }
    expectNothingWritten(h);
    expectNoPersonalData(h.logs.text());
  });

  it("refuses a reference Herald did not issue with 422, writing nothing", async () => {
    const h = setup(env);
    const forged = h.deepLinks.formReference(ATTENDEE).replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    const response = await post(h, sample({ ref: forged }).body);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ error: "invalid_ref" });
    expectNothingWritten(h);
  });

  it("refuses a body declared in latin1 with 415 and bytes that are not UTF-8 with 400, writing nothing", async () => {
    const h = setup(env);
    const { body } = sample({});
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const type = provider === "tilda" ? "application/x-www-form-urlencoded" : "application/json";
    const latin1 = await post(h, body, { contentType: `${type}; charset=latin1` });
    expect(latin1.statusCode).toBe(415);
    expect(latin1.json()).toMatchObject({ error: "unsupported_charset" });
    const broken = Buffer.concat([
      Buffer.from(text.slice(0, 20)),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(text.slice(20)),
    ]);
    const invalid = await post(h, body, { raw: broken });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: "invalid_utf8" });
    expectNothingWritten(h);
  });

  it("refuses another media type with 415 before reading the body", async () => {
    const h = setup(env);
    const response = await post(h, sample({}).body, { contentType: "text/plain" });
    expect(response.statusCode).toBe(415);
    expectNothingWritten(h);
  });
});

describe("the form doors' refusals", () => {
  it("answer 404 forms_off on every door while FORM_SECRET is unset, writing nothing", async () => {
    const h = setup({ FORM_SECRET: "" });
    expect(h.config.forms.secret).toBeNull();
    for (const { provider, sample } of CASES) {
      const response = await h.send(formPost(provider, "any-secret-0123456789abcdef", sample({}).body));
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        error: "forms_off",
        message: expect.stringContaining("FORM_SECRET"),
      });
    }
    expectNothingWritten(h);
  });

  it("answer 404 unknown_provider to a builder Herald has no door for", async () => {
    const h = setup({ FORM_FIELDS });
    const response = await h.send({ method: "POST", url: "/webhooks/forms/jotform", payload: { a: 1 } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      error: "unknown_provider",
      message: expect.stringContaining("typeform"),
    });
  });

  it("answer Tilda's connection test (test=test) with 200 and write nothing", async () => {
    const h = setup({ FORM_FIELDS });
    const response = await h.send(formPost("tilda", FORM_SECRET, "test=test"));
    expect(response.statusCode).toBe(200);
    expectNothingWritten(h);
    const unsigned = await h.send(formPost("tilda", FORM_SECRET, "test=test", { unsigned: true }));
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ message: expect.stringContaining("token") });
  });

  it("refuse a submission without its answer number with 400 naming the field", async () => {
    const h = setup({ FORM_FIELDS });
    const body = typeformBody({ token: "" });
    const response = await h.send(formPost("typeform", FORM_SECRET, body));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: "missing_answer_id",
      message: expect.stringContaining("form_response.token"),
    });

    const generic = setup({ FORM_ANSWER_FIELD: "submission.id" });
    const noId = await generic.send(formPost("generic", FORM_SECRET, { answers: { city: "Kazan" } }));
    expect(noId.statusCode).toBe(400);
    expect(noId.json()).toMatchObject({ message: expect.stringContaining('"submission.id"') });
    expectNothingWritten(h);
    expectNothingWritten(generic);
  });

  it("take the answer number from FORM_ANSWER_FIELD when it is set, and refuse one that is a phone number", async () => {
    const h = setup({ FORM_FIELDS, FORM_ANSWER_FIELD: "Order" });
    const body = tildaBody({ tranid: "4702315:1290381" });
    const response = await h.send(formPost("tilda", FORM_SECRET, `${body}&Order=A1042`));
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ answer_id: "A1042" });
    const phone = await h.send(
      formPost("tilda", FORM_SECRET, `${tildaBody({ tranid: "1:2" })}&Order=79161234567`),
    );
    expect(phone.statusCode).toBe(400);
    expect(phone.json()).toMatchObject({ error: "invalid_answer_id" });
    expect(h.rows("registrations")).toHaveLength(1);
  });

  it("refuse one provider's token at another provider's door", async () => {
    const h = setup({ FORM_FIELDS });
    const yandexToken = formPost("yandex", FORM_SECRET, {}).headers as Record<string, string>;
    const response = await h.send(
      formPost("google", FORM_SECRET, googleBody({ responseId: "x1" }), {
        unsigned: true,
        headers: { "x-herald-form-token": yandexToken["x-herald-form-token"] as string },
      }),
    );
    expect(response.statusCode).toBe(401);
    expectNothingWritten(h);
  });

  it("name a __proto__ key in a signed body (400 forbidden_key), writing nothing", async () => {
    const h = setup({ FORM_FIELDS });
    const raw =
      '{"eventId":"e1","eventType":"FORM_RESPONSE","data":{"responseId":"p1","fields":[]},"__proto__":{"x":1}}';
    const response = await h.send(formPost("tally", FORM_SECRET, undefined, { raw }));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({
      error: "forbidden_key",
      message: expect.stringContaining("__proto__"),
    });
    expectNothingWritten(h);
  });
});
