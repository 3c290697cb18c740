import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FormSubmission } from "../../src/forms/form-fields.js";
import { looseName } from "../../src/forms/form-fields.js";
import { answerNumberOf, mapSubmission } from "../../src/forms/mapping.js";
import type { FormProvider } from "../../src/forms/providers.js";
import { parseGeneric } from "../../src/forms/sources/generic.js";
import { parseTally } from "../../src/forms/sources/tally.js";
import { parseTilda } from "../../src/forms/sources/tilda.js";
import { parseTypeform } from "../../src/forms/sources/typeform.js";
import { parseYandex, yandexBodyTemplate } from "../../src/forms/sources/yandex.js";
import { PERSONAL, tallyBody, tildaBody, typeformBody } from "./bodies.js";

const settings = { fields: [{ attribute: "city", field: "City" }], answerField: null, refField: "ref" };

function submissionOf(parsed: ReturnType<typeof parseTally>): FormSubmission {
  if (parsed.kind !== "submission") throw new Error(`not a submission: ${parsed.kind}`);
  return parsed.submission;
}

describe("answerNumberOf", () => {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 40);

  it("keeps an id that already is an answer number, writes Tilda's <project>:<n> as <project>x<n>, and hashes the rest", () => {
    expect(answerNumberOf("tally", "2wgx4n")).toBe("2wgx4n");
    expect(answerNumberOf("tilda", "4702315:1290381")).toBe("4702315x1290381");
    const google = "2_ABaOnudM8QhKjEOyP2fnkeG_u0Lp7yD3X2VNNqnFn2Kk1b9y0sTvUIqKpGr-9DMuOXKEzkE";
    expect(answerNumberOf("google", google)).toBe(sha(google));
    expect(answerNumberOf("generic", "—")).toMatch(/^[0-9a-f]{40}$/);
    expect(answerNumberOf("google", google)).toBe(answerNumberOf("google", google));
  });

  it("gives different submission ids different answer numbers (it once joined their letters and digits)", () => {
    const ids: Array<[FormProvider, string[]]> = [
      ["tilda", ["12:345", "123:45", "12345", "12x345", "1:2345"]],
      ["generic", ["order-12", "order12", "1, 2", "12", "order_12"]],
    ];
    for (const [provider, group] of ids) {
      const numbers = group.map((id) => answerNumberOf(provider, id));
      expect(new Set(numbers).size, `${provider}: ${numbers.join(" ")}`).toBe(group.length);
      for (const number of numbers) expect(number).toMatch(/^[A-Za-z0-9]{1,40}$/);
    }
    expect(answerNumberOf("generic", "order-12")).toBe(sha("order-12"));
    // A Tilda id already shaped like the <project>x<n> form is hashed, not kept.
    expect(answerNumberOf("tilda", "12x345")).toBe(sha("12x345"));
  });
});

describe("mapSubmission", () => {
  it("matches fields loosely by key, ref, id, label or title", () => {
    expect(looseName("  Which   Track? ")).toBe("which track?");
    const submission: FormSubmission = {
      submissionId: "s1",
      submissionIdField: "id",
      fields: [
        { names: ["question_1", " which  TRACK? "], value: "Data" },
        { names: ["city_q", "abc123", "City"], value: " Kazan " },
      ],
    };
    const result = mapSubmission("generic", submission, {
      ...settings,
      fields: [
        { attribute: "city", field: "abc123" },
        { attribute: "track", field: "Which track?" },
      ],
    });
    expect(result).toMatchObject({
      ok: true,
      mapped: { attributes: { city: "Kazan", track: "Data" }, dropped: 0 },
    });
  });

  it("reads Typeform's hidden ref, its answers by title, and counts what it dropped", () => {
    const result = mapSubmission(
      "typeform",
      submissionOf(parseTypeform(typeformBody({ token: "t1", ref: "r-1-x" }))),
      settings,
    );
    // 2 hidden fields + 7 answers; ref and City read.
    expect(result).toMatchObject({
      ok: true,
      mapped: { answerId: "t1", ref: "r-1-x", attributes: { city: "Kazan" }, missing: [], dropped: 7 },
    });
  });

  it("turns Tally's option ids into their texts and reads its hidden field by label", () => {
    const submission = submissionOf(parseTally(tallyBody({ responseId: "r1", ref: "r-2-y" })));
    const result = mapSubmission("tally", submission, {
      ...settings,
      fields: [{ attribute: "track", field: "Tracks" }],
    });
    expect(result).toMatchObject({
      ok: true,
      mapped: { ref: "r-2-y", attributes: { track: "Backend, Data" } },
    });
  });

  it("names a FORM_FIELDS attribute the submission lacks and treats an empty reference as none", () => {
    const submission = submissionOf(parseTilda(`${tildaBody({ tranid: "1:2" })}&ref=`));
    const result = mapSubmission("tilda", submission, {
      ...settings,
      fields: [{ attribute: "level", field: "Level" }],
    });
    expect(result).toMatchObject({
      ok: true,
      mapped: { ref: undefined, attributes: {}, missing: ["level"] },
    });
  });

  it("refuses an attribute value holding an e-mail or phone, naming the attribute and not the value", () => {
    const submission: FormSubmission = {
      submissionId: "s1",
      submissionIdField: "id",
      fields: [{ names: ["City"], value: "Moscow, call 8 (916) 555-44-33" }],
    };
    const result = mapSubmission("generic", submission, settings);
    expect(result).toMatchObject({ ok: false, error: "personal_data" });
    expect(!result.ok && result.message).toContain('attribute "city"');
    expect(!result.ok && result.message).not.toContain("555");
  });

  it("refuses a personal question matched by any of its names (ref, id, key), naming the field and not the value", () => {
    const typeform = submissionOf(parseTypeform(typeformBody({ token: "t1" })));
    // An e-mail question answered with something that is no e-mail: only its title gives it away.
    const email = {
      ...typeform,
      fields: typeform.fields.map((field) =>
        field.names.includes("email_q") ? { ...field, value: "none" } : field,
      ),
    };
    const tally = submissionOf(parseTally(tallyBody({ responseId: "r1" })));
    const cases: Array<[FormProvider, FormSubmission, string]> = [
      // Typeform's "Your e-mail" by its ref and its id.
      ["typeform", email, "email_q"],
      ["typeform", email, "SMEUb7VJz92Q"],
      // Tally's "Full name" by its key.
      ["tally", tally, "question_3EKz4n"],
    ];
    for (const [provider, submission, field] of cases) {
      const result = mapSubmission(provider, submission, {
        ...settings,
        fields: [{ attribute: "q", field }],
      });
      expect(result, field).toMatchObject({ ok: false, error: "personal_data" });
      expect(!result.ok && result.message).toContain(`attribute "q" (field "${field}")`);
      for (const value of PERSONAL) expect(!result.ok && result.message).not.toContain(value);
    }
    // The same question as the answer number is refused too.
    expect(
      mapSubmission("tally", tally, { ...settings, answerField: "question_3EKz4n", fields: [] }),
    ).toMatchObject({ ok: false, error: "personal_data" });
  });

  it("refuses Typeform's \"What is your name?\" mapped by its ref or id, so the answer's name is never stored", () => {
    const typeform = submissionOf(parseTypeform(typeformBody({ token: "t1" })));
    for (const field of ["name_q", "DlXFaesGBpoF", "What is your name?"]) {
      const result = mapSubmission("typeform", typeform, {
        ...settings,
        fields: [{ attribute: "q", field }],
      });
      expect(result, field).toMatchObject({ ok: false, error: "personal_data" });
      expect(!result.ok && result.message).not.toContain(PERSONAL[0]);
    }
  });

  it("takes the answer number from FORM_ANSWER_FIELD and refuses one that is not 1-40 letters and digits", () => {
    const fields = [{ names: ["Order no"], value: "A-17" }];
    const submission: FormSubmission = { submissionId: "s1", submissionIdField: "id", fields };
    expect(mapSubmission("generic", submission, { ...settings, answerField: "order no" })).toMatchObject({
      ok: false,
      error: "invalid_answer_id",
    });
    const valid = { ...submission, fields: [{ names: ["Order no"], value: "A17" }] };
    expect(mapSubmission("generic", valid, { ...settings, answerField: "order no" })).toMatchObject({
      ok: true,
      mapped: { answerId: "A17", submissionKey: "s1", answerFrom: { kind: "field", field: "order no" } },
    });
  });

  it("finds a generic body's id with the mapping's own loose matcher", () => {
    const spaced = submissionOf(parseGeneric({ "Order  No": "o8" }, " order no "));
    expect(spaced.submissionId).toBe("o8");
    expect(mapSubmission("generic", spaced, { ...settings, answerField: " order no " })).toMatchObject({
      ok: true,
      mapped: { answerId: "o8" },
    });
  });

  it("reads a generic body by dot-paths and top-level keys", () => {
    const parsed = parseGeneric(
      { order: { id: "o7" }, City: "Kazan", nested: { list: ["a", "b"] } },
      "order.id",
    );
    const result = mapSubmission("generic", submissionOf(parsed), {
      ...settings,
      answerField: "order.id",
      fields: [
        { attribute: "city", field: "city" },
        { attribute: "tags", field: "nested.list" },
      ],
    });
    expect(result).toMatchObject({
      ok: true,
      mapped: { answerId: "o7", attributes: { city: "Kazan", tags: "a, b" }, dropped: 0 },
    });
  });
});

describe("yandexBodyTemplate", () => {
  it("asks for exactly the fields the settings read, and the mapping finds each of them", () => {
    const settings = {
      fields: [
        { attribute: "city", field: "Город" },
        { attribute: "track", field: "Track" },
      ],
      refField: "ref",
      answerField: null,
    };
    const submission = submissionOf(parseYandex(JSON.parse(yandexBodyTemplate(settings))));
    const result = mapSubmission("yandex", submission, settings);
    expect(result).toMatchObject({
      ok: true,
      mapped: {
        ref: "<variable: answer to the hidden question ref>",
        attributes: {
          city: "<variable: answer to the question Город>",
          track: "<variable: answer to the question Track>",
        },
        dropped: 0,
      },
    });
  });
});
