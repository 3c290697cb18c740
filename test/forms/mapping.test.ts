import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FormSubmission } from "../../src/forms/form-fields.js";
import { answerNumberOf, looseName, mapSubmission } from "../../src/forms/mapping.js";
import { parseGeneric } from "../../src/forms/sources/generic.js";
import { parseTally } from "../../src/forms/sources/tally.js";
import { parseTilda } from "../../src/forms/sources/tilda.js";
import { parseTypeform } from "../../src/forms/sources/typeform.js";
import { parseYandex, YANDEX_BODY_TEMPLATE, yandexBodyTemplate } from "../../src/forms/sources/yandex.js";
import { tallyBody, tildaBody, typeformBody } from "./bodies.js";

const settings = { fields: [{ attribute: "city", field: "City" }], answerField: null, refField: "ref" };

function submissionOf(parsed: ReturnType<typeof parseTally>): FormSubmission {
  if (parsed.kind !== "submission") throw new Error(`not a submission: ${parsed.kind}`);
  return parsed.submission;
}

describe("answerNumberOf", () => {
  it("keeps an id that already is an answer number, joins the letters and digits of one that is not, and hashes a long one", () => {
    expect(answerNumberOf("2wgx4n")).toBe("2wgx4n");
    expect(answerNumberOf("4702315:1290381")).toBe("47023151290381");
    const google = "2_ABaOnudM8QhKjEOyP2fnkeG_u0Lp7yD3X2VNNqnFn2Kk1b9y0sTvUIqKpGr-9DMuOXKEzkE";
    expect(answerNumberOf(google)).toBe(createHash("sha256").update(google).digest("hex").slice(0, 40));
    expect(answerNumberOf("—")).toMatch(/^[0-9a-f]{40}$/);
    expect(answerNumberOf(google)).toBe(answerNumberOf(google));
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
    const result = mapSubmission(submission, {
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
    const result = mapSubmission(submission, {
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
    const result = mapSubmission(submission, {
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
    const result = mapSubmission(submission, settings);
    expect(result).toMatchObject({ ok: false, error: "personal_data" });
    expect(!result.ok && result.message).toContain('attribute "city"');
    expect(!result.ok && result.message).not.toContain("555");
  });

  it("takes the answer number from FORM_ANSWER_FIELD and refuses one that is not 1-40 letters and digits", () => {
    const fields = [{ names: ["Order no"], value: "A-17" }];
    const submission: FormSubmission = { submissionId: "s1", submissionIdField: "id", fields };
    expect(mapSubmission(submission, { ...settings, answerField: "order no" })).toMatchObject({
      ok: false,
      error: "invalid_answer_id",
    });
    const valid = { ...submission, fields: [{ names: ["Order no"], value: "A17" }] };
    expect(mapSubmission(valid, { ...settings, answerField: "order no" })).toMatchObject({
      ok: true,
      mapped: { answerId: "A17", submissionKey: "s1", answerFrom: { kind: "field", field: "order no" } },
    });
  });

  it("reads a generic body by dot-paths and top-level keys", () => {
    const parsed = parseGeneric(
      { order: { id: "o7" }, City: "Kazan", nested: { list: ["a", "b"] } },
      "order.id",
    );
    const result = mapSubmission(submissionOf(parsed), {
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

describe("YANDEX_BODY_TEMPLATE", () => {
  it("is JSON the Yandex parser reads: its id, ref and answers", () => {
    const submission = submissionOf(parseYandex(JSON.parse(YANDEX_BODY_TEMPLATE)));
    expect(submission.submissionId).toBe("<variable: answer ID>");
    expect(submission.fields.flatMap((field) => field.names)).toEqual(["ref", "city"]);
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
    const result = mapSubmission(submission, settings);
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
