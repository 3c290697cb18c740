import { describe, expect, it } from "vitest";
import { createDeepLinks, InvalidAnswerIdError } from "../../src/audience/deep-links.js";
import type { FormProvider } from "../../src/forms/providers.js";

const SECRET = "deeplink-secret-for-tests-0123456789";
const OTHER_SECRET = "another-deeplink-secret-9876543210";

const signed = createDeepLinks({ secret: SECRET, signing: true });
const unsigned = createDeepLinks({ secret: SECRET, signing: false });
const otherSecret = createDeepLinks({ secret: OTHER_SECRET, signing: true });

/** Telegram's rule for `start` parameters: up to 64 characters of A-Za-z0-9_-. */
const TELEGRAM_START_PARAMETER = /^[A-Za-z0-9_-]{1,64}$/;
const LONGEST_ANSWER_ID = "Z9".repeat(20);

/** Replaces one character of a string with another allowed one. */
function changeCharAt(text: string, index: number): string {
  const current = text[index];
  return `${text.slice(0, index)}${current === "A" ? "B" : "A"}${text.slice(index + 1)}`;
}

describe("answer payloads", () => {
  it("look like a-<answerId>-<16-character tag> when signing is on", () => {
    expect(signed.answerPayload("12345")).toMatch(/^a-12345-[A-Za-z0-9_-]{16}$/);
  });

  it("are deterministic for one secret and differ between secrets", () => {
    expect(signed.answerPayload("12345")).toBe(signed.answerPayload("12345"));
    expect(otherSecret.answerPayload("12345")).not.toBe(signed.answerPayload("12345"));
  });

  it("round-trip through parseStartPayload", () => {
    for (const answerId of ["1", "12345", "AbC987xyz", LONGEST_ANSWER_ID]) {
      expect(signed.parseStartPayload(signed.answerPayload(answerId))).toEqual({ kind: "answer", answerId });
    }
  });

  it("stay within Telegram's 64-character start-parameter rule for the longest answer id", () => {
    for (const links of [signed, unsigned]) {
      const payload = links.answerPayload(LONGEST_ANSWER_ID);
      expect(payload.length).toBeLessThanOrEqual(64);
      expect(payload).toMatch(TELEGRAM_START_PARAMETER);
    }
    expect(signed.answerPayload(LONGEST_ANSWER_ID)).toHaveLength(2 + 40 + 1 + 16);
  });

  it("are a-<answerId> without a tag when signing is off", () => {
    expect(unsigned.answerPayload("12345")).toBe("a-12345");
    expect(unsigned.parseStartPayload("a-12345")).toEqual({ kind: "answer", answerId: "12345" });
  });

  it("build a t.me link with the payload as the start parameter", () => {
    const link = signed.answerLink("herald_test_bot", "12345");
    expect(link).toBe(`https://t.me/herald_test_bot?start=${signed.answerPayload("12345")}`);
    const url = new URL(link);
    expect(url.host).toBe("t.me");
    expect(url.searchParams.get("start")).toBe(signed.answerPayload("12345"));
  });
});

describe("parseStartPayload refuses", () => {
  it("a tag made with another secret", () => {
    expect(signed.parseStartPayload(otherSecret.answerPayload("12345"))).toEqual({
      kind: "invalid",
      reason: "bad_signature",
    });
  });

  it("a valid tag moved to a different answer id", () => {
    const tag = signed.answerPayload("12345").slice("a-12345-".length);
    expect(signed.parseStartPayload(`a-12346-${tag}`)).toEqual({ kind: "invalid", reason: "bad_signature" });
  });

  it("a tag with one character changed", () => {
    const payload = signed.answerPayload("12345");
    expect(signed.parseStartPayload(changeCharAt(payload, payload.length - 1))).toEqual({
      kind: "invalid",
      reason: "bad_signature",
    });
  });

  it("a truncated tag", () => {
    const payload = signed.answerPayload("12345");
    for (const cut of [1, 8, 15]) {
      const result = signed.parseStartPayload(payload.slice(0, payload.length - cut));
      expect(result.kind).toBe("invalid");
    }
  });

  it("a payload with extra characters after the tag", () => {
    expect(signed.parseStartPayload(`${signed.answerPayload("12345")}x`).kind).toBe("invalid");
  });

  it("an unsigned payload when signing is on", () => {
    expect(signed.parseStartPayload("a-12345")).toEqual({ kind: "invalid", reason: "unsigned" });
  });

  it("a form reference used as an answer payload", () => {
    const reference = signed.formReference(12345);
    expect(signed.parseStartPayload(reference).kind).toBe("invalid");
    const tag = reference.slice("r-12345-".length);
    expect(signed.parseStartPayload(`a-12345-${tag}`)).toEqual({ kind: "invalid", reason: "bad_signature" });
  });

  it.each([
    ["a space inside", "a-123 45"],
    ["a space before the tag", `a-12345 ${signed.answerPayload("12345").slice(-16)}`],
    ["a wrong prefix", `b-${signed.answerPayload("12345").slice(2)}`],
    ["an upper-case prefix", `A-${signed.answerPayload("12345").slice(2)}`],
    ["no answer id", "a-"],
    ["only the prefix letter", "a"],
    ["an answer id with a dash", "a-12-345"],
    ["an answer id with an underscore", "a-12_345"],
    ["an answer id of 41 characters", `a-${"1".repeat(41)}`],
    ["far more than 64 characters", `a-${"1".repeat(500)}`],
    ["Cyrillic letters", "a-абв"],
    ["an emoji", "a-12345-🎫🎫🎫🎫🎫🎫🎫🎫"],
    ["a full-width digit", "a-１２３"],
    ["a NUL byte", "a-123\u0000"],
    ["a URL", "https://t.me/herald_test_bot?start=a-1"],
  ])("%s as malformed, without throwing", (_name, payload) => {
    for (const links of [signed, unsigned]) {
      expect(() => links.parseStartPayload(payload)).not.toThrow();
      expect(links.parseStartPayload(payload)).toEqual({ kind: "invalid", reason: "malformed" });
    }
  });

  it("a unicode tag of the right length without throwing", () => {
    // 16 characters but more than 16 bytes: must not reach a length-sensitive comparison.
    const payload = `a-12345-${"é".repeat(16)}`;
    expect(() => signed.parseStartPayload(payload)).not.toThrow();
    expect(signed.parseStartPayload(payload).kind).toBe("invalid");
  });
});

describe("parseStartPayload with nothing to read", () => {
  it("answers none for an empty or blank payload", () => {
    expect(signed.parseStartPayload("")).toEqual({ kind: "none" });
    expect(signed.parseStartPayload("   ")).toEqual({ kind: "none" });
  });
});

describe("form references", () => {
  it("round-trip to the Telegram ID", () => {
    for (const id of [1, 42, 123456789, 7_000_000_000, 999_999_999_999_999]) {
      expect(signed.verifyFormReference(signed.formReference(id))).toBe(id);
    }
  });

  it("look like r-<telegramId>-<16-character tag> and fit in a start parameter", () => {
    const reference = signed.formReference(7_000_000_000);
    expect(reference).toMatch(/^r-7000000000-[A-Za-z0-9_-]{16}$/);
    expect(reference).toMatch(TELEGRAM_START_PARAMETER);
  });

  it("are refused when made with another secret", () => {
    expect(signed.verifyFormReference(otherSecret.formReference(42))).toBeUndefined();
  });

  it("are refused when the Telegram ID is changed", () => {
    const tag = signed.formReference(42).slice("r-42-".length);
    expect(signed.verifyFormReference(`r-43-${tag}`)).toBeUndefined();
    expect(signed.verifyFormReference(`r-042-${tag}`)).toBeUndefined();
  });

  it("are refused when the tag is altered or truncated", () => {
    const reference = signed.formReference(42);
    expect(signed.verifyFormReference(changeCharAt(reference, reference.length - 1))).toBeUndefined();
    expect(signed.verifyFormReference(reference.slice(0, -1))).toBeUndefined();
    expect(signed.verifyFormReference(`${reference}x`)).toBeUndefined();
    expect(signed.verifyFormReference("r-42")).toBeUndefined();
  });

  it("are refused when an answer tag is passed as a reference tag", () => {
    const answerTag = signed.answerPayload("42").slice("a-42-".length);
    expect(signed.verifyFormReference(`r-42-${answerTag}`)).toBeUndefined();
    expect(signed.verifyFormReference(signed.answerPayload("42"))).toBeUndefined();
  });

  it("are verified even when answer signing is off", () => {
    expect(unsigned.verifyFormReference(unsigned.formReference(42))).toBe(42);
    expect(unsigned.verifyFormReference(otherSecret.formReference(42))).toBeUndefined();
  });

  it.each([
    "",
    "r-",
    "r--abcdefghijklmnop",
    "r-abc-abcdefghijklmnop",
    "r-1234567890123456-abcdefghijklmnop",
    "r- 42-abcdefghijklmnop",
    "r-42-ééééééééééééééé",
    "x-42-abcdefghijklmnop",
  ])("malformed reference %j is refused without throwing", (reference) => {
    expect(() => signed.verifyFormReference(reference)).not.toThrow();
    expect(signed.verifyFormReference(reference)).toBeUndefined();
  });
});

describe("answer ids", () => {
  it.each([
    ["empty", ""],
    ["41 characters", "1".repeat(41)],
    ["a dash", "12-3"],
    ["an underscore", "12_3"],
    ["a space", "12 3"],
    ["a slash", "../etc"],
    ["Cyrillic", "абв"],
    ["a newline", "123\n"],
  ])("with %s throw InvalidAnswerIdError", (_name, answerId) => {
    for (const links of [signed, unsigned]) {
      expect(() => links.answerPayload(answerId)).toThrow(InvalidAnswerIdError);
      expect(() => links.answerLink("herald_test_bot", answerId)).toThrow(InvalidAnswerIdError);
    }
  });

  it("carry the invalid_answer_id code", () => {
    try {
      signed.answerPayload("bad id");
      expect.unreachable("answerPayload should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidAnswerIdError);
      expect((error as InvalidAnswerIdError).code).toBe("invalid_answer_id");
    }
  });
});

describe("form links put the reference where the form builder reads it", () => {
  const REF = /^r-42-[A-Za-z0-9_-]{16}$/;
  const linksFor = (provider: FormProvider | null, refParam: string | null = null) =>
    createDeepLinks({ secret: SECRET, signing: true, form: { provider, refParam } });

  it("as ?ref= by default, keeping the URL's other parameters", () => {
    for (const links of [signed, linksFor(null), linksFor("tally"), linksFor("tilda"), linksFor("generic")]) {
      const url = new URL(links.formLink("https://tally.so/r/wA1b2C?utm=bot", 42));
      expect(url.searchParams.get("ref")).toBe(signed.formReference(42));
      expect(url.searchParams.get("utm")).toBe("bot");
      expect(url.hash).toBe("");
    }
  });

  it("under FORM_REF_PARAM's name when it is set (Yandex Forms: the hidden question's id)", () => {
    const url = new URL(
      linksFor("yandex", "herald_ref").formLink("https://forms.yandex.ru/u/65f0/?lang=ru", 42),
    );
    expect(url.searchParams.get("herald_ref")).toMatch(REF);
    expect(url.searchParams.get("ref")).toBeNull();
    expect(url.searchParams.get("lang")).toBe("ru");
  });

  it("in the fragment for Typeform (#ref=), keeping the fragment's other hidden fields and the query", () => {
    const links = linksFor("typeform");
    const plain = new URL(links.formLink("https://form.typeform.com/to/AbCdEf", 42));
    expect(plain.search).toBe("");
    expect(plain.hash).toBe(`#ref=${signed.formReference(42)}`);

    const url = new URL(
      links.formLink("https://form.typeform.com/to/AbCdEf?typeform-source=bot#utm=tg&ref=old", 42),
    );
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get("ref")).toBe(signed.formReference(42));
    expect(fragment.get("utm")).toBe("tg");
    expect([...fragment.keys()]).toEqual(["utm", "ref"]);
    expect(url.searchParams.get("typeform-source")).toBe("bot");
    expect(url.searchParams.get("ref")).toBeNull();
  });

  it("as the pre-filled entry.<id>= of Google Forms", () => {
    const links = linksFor("google", "entry.1234567890");
    const url = new URL(
      links.formLink("https://docs.google.com/forms/d/e/1FAIpQLSf_x/viewform?usp=pp_url&entry.99=Moscow", 42),
    );
    expect(url.searchParams.get("entry.1234567890")).toBe(signed.formReference(42));
    expect(url.searchParams.get("entry.99")).toBe("Moscow");
    expect(url.searchParams.get("usp")).toBe("pp_url");
    expect(url.searchParams.get("ref")).toBeNull();
  });

  it("whose reference verifies wherever it travels", () => {
    const links = linksFor("typeform");
    const reference = new URLSearchParams(
      new URL(links.formLink("https://form.typeform.com/to/x", 7)).hash.slice(1),
    ).get("ref");
    expect(links.verifyFormReference(String(reference))).toBe(7);
  });
});
