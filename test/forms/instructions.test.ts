import { describe, expect, it } from "vitest";
import {
  FORM_TOKEN_HEADER_DISPLAY,
  FormsOffError,
  formInstructions,
  formWebhookUrl,
  instructionsText,
} from "../../src/forms/instructions.js";
import { FORM_PROVIDERS, FORM_TOKEN_HEADER, formToken } from "../../src/forms/providers.js";
import { googleAppsScript } from "../../src/forms/sources/google.js";
import { yandexBodyTemplate } from "../../src/forms/sources/yandex.js";
import { testConfig } from "../helpers/config.js";

const SECRET = "form-secret-for-tests-0123456789abcdef";
const config = (env: Record<string, string> = {}) =>
  testConfig({ FORM_SECRET: SECRET, PUBLIC_URL: "https://herald.example.org/", ...env });

describe("form connector instructions", () => {
  it("give each builder its URL under PUBLIC_URL, Tilda's with its token in the path", () => {
    const c = config();
    for (const provider of FORM_PROVIDERS) {
      const i = formInstructions(provider, c, "en");
      expect(i.addressWarning).toBeNull();
      if (provider === "tilda") {
        expect(i.url).toBe(`https://herald.example.org/webhooks/forms/tilda/${formToken(SECRET, "tilda")}`);
      } else {
        expect(i.url).toBe(`https://herald.example.org/webhooks/forms/${provider}`);
      }
      expect(formWebhookUrl(c, provider)).toBe(i.url);
    }
  });

  it("hand Typeform and Tally FORM_SECRET as their signing secret, and no header", () => {
    for (const provider of ["typeform", "tally"] as const) {
      const i = formInstructions(provider, config(), "en");
      expect(i.paste.map((p) => p.value)).toEqual([i.url, SECRET]);
      expect(i.paste[1]).toMatchObject({ secret: true });
      expect(instructionsText(i)).not.toContain(FORM_TOKEN_HEADER_DISPLAY);
    }
    expect(formInstructions("typeform", config(), "en").paste[1]?.label).toBe("Secret (FORM_SECRET)");
    expect(formInstructions("tally", config(), "en").paste[1]?.label).toBe("Signing secret (FORM_SECRET)");
  });

  it("hand Yandex, Google and generic senders the header with their own token, never FORM_SECRET itself", () => {
    const tokens = new Set<string>();
    for (const provider of ["yandex", "google", "generic"] as const) {
      const i = formInstructions(provider, config({ FORM_REF_PARAM: "entry.123" }), "en");
      expect(i.paste.slice(1).map((p) => [p.label, p.value])).toEqual([
        ["Header name", "X-Herald-Form-Token"],
        ["Header value", formToken(SECRET, provider)],
      ]);
      tokens.add(formToken(SECRET, provider));
      const text = instructionsText(i);
      expect(text).not.toContain(SECRET);
      expect(text).toContain(formToken(SECRET, provider));
      for (const other of FORM_PROVIDERS.filter((p) => p !== provider)) {
        expect(text).not.toContain(formToken(SECRET, other));
      }
    }
    expect(tokens.size).toBe(3);
    expect(FORM_TOKEN_HEADER_DISPLAY.toLowerCase()).toBe(FORM_TOKEN_HEADER);
  });

  it("never mention Herald's other secrets", () => {
    const c = config();
    for (const provider of FORM_PROVIDERS) {
      for (const language of ["en", "ru"] as const) {
        const text = instructionsText(formInstructions(provider, c, language));
        expect(text).not.toContain(c.webhookSecret);
        expect(text).not.toContain(c.deeplinkSecret);
        expect(text).not.toContain(c.botToken);
      }
    }
  });

  it("fall back to HTTP_HOST:HTTP_PORT without PUBLIC_URL and say a builder needs a public https address", () => {
    const c = testConfig({ FORM_SECRET: SECRET, HTTP_HOST: "0.0.0.0", HTTP_PORT: "8080" });
    const i = formInstructions("tally", c, "en");
    expect(i.url).toBe("http://0.0.0.0:8080/webhooks/forms/tally");
    expect(i.addressWarning).toMatch(/PUBLIC_URL is not set.*public https address/);
    expect(instructionsText(i)).toContain(`! ${i.addressWarning}`);
    expect(formInstructions("tally", c, "ru").addressWarning).toMatch(
      /PUBLIC_URL не задан.*публичный адрес https/,
    );
    expect(
      formInstructions("tally", config({ PUBLIC_URL: "http://herald.example.org" }), "en").addressWarning,
    ).toMatch(/not https/);
  });

  it("refuse with a FormsOffError that says how to turn the connectors on", () => {
    const c = testConfig({ PUBLIC_URL: "https://herald.example.org" });
    expect(() => formInstructions("tally", c, "en")).toThrow(FormsOffError);
    expect(() => formInstructions("tally", c, "en")).toThrow(/FORM_SECRET is not set.*openssl rand -hex 32/);
  });

  it("name the builder in the heading, the generic sender in the organiser's language", () => {
    expect(formInstructions("google", config(), "en").labels.heading).toBe("Connecting Google Forms");
    expect(formInstructions("generic", config(), "en").labels.heading).toBe("Connecting JSON (any system)");
    expect(formInstructions("generic", config(), "ru").labels.heading).toBe(
      "Подключение: JSON (любая система)",
    );
  });

  it("speak the organiser's language, with the same values", () => {
    for (const provider of FORM_PROVIDERS) {
      const en = formInstructions(provider, config({ FORM_REF_PARAM: "entry.123" }), "en");
      const ru = formInstructions(provider, config({ FORM_REF_PARAM: "entry.123" }), "ru");
      expect(ru.paste.map((p) => p.value)).toEqual(en.paste.map((p) => p.value));
      expect(ru.steps).toHaveLength(en.steps.length);
      expect(ru.steps.join("\n")).toMatch(/[а-я]/);
      expect(en.steps.join("\n")).not.toMatch(/[а-я]/);
    }
  });

  it("name the hidden field where each builder carries the reference", () => {
    const steps = (provider: (typeof FORM_PROVIDERS)[number], env: Record<string, string> = {}) =>
      formInstructions(provider, config(env), "en").steps.join("\n");
    expect(steps("typeform")).toContain("#ref=");
    expect(steps("tally")).toContain("?ref=");
    expect(steps("tally", { FORM_REF_FIELD: "herald" })).toContain('"herald"');
    expect(steps("yandex", { FORM_REF_PARAM: "herald_ref" })).toContain('"herald_ref"');
    expect(steps("google", { FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.555" })).toContain("entry.555");
  });

  it("ask to set FORM_PROVIDER when the form link is for another builder", () => {
    const first = (provider: "tally" | "typeform", env: Record<string, string>) =>
      formInstructions(provider, config(env), "en").steps[0];
    expect(first("typeform", {})).toMatch(/FORM_PROVIDER=typeform/);
    expect(first("typeform", { FORM_PROVIDER: "tally" })).toMatch(/FORM_PROVIDER=typeform/);
    expect(first("typeform", { FORM_PROVIDER: "typeform" })).not.toMatch(/FORM_PROVIDER/);
  });

  it("say which fields are kept and that everything else is dropped unread", () => {
    const none = formInstructions("tally", config(), "en").fieldsNote;
    expect(none).toMatch(/only the answer number and the reference/);
    expect(none).toMatch(/dropped unread; names, e-mails and phones are refused/);
    const some = formInstructions(
      "tally",
      config({ FORM_FIELDS: "city, track=Track", FORM_ANSWER_FIELD: "Order" }),
      "en",
    );
    expect(some.fieldsNote).toContain("FORM_FIELDS: city, track=Track.");
    expect(some.fieldsNote).toContain("from the field Order.");
  });

  it("warn that Yandex Forms posts only over IPv6 and that a quote or backslash in an answer breaks its body", () => {
    for (const language of ["en", "ru"] as const) {
      const steps = formInstructions("yandex", config(), language).steps.join("\n");
      expect(steps).toContain("IPv6");
      expect(steps).toContain("2a02:6b8:c00::/40");
      expect(steps).toContain("AAAA");
      expect(steps).toContain(language === "en" ? '" or \\' : '" или \\');
      expect(steps).toContain("400 invalid_json");
      expect(steps).toMatch(language === "en" ? /JSON-escaped variable/ : /экранированием для JSON/);
    }
    const en = formInstructions("yandex", config(), "en").steps;
    // The network comes before anything is pasted: without it no test ever arrives.
    expect(en.findIndex((step) => step.includes("IPv6"))).toBe(1);
    expect(en.at(-1)).toBe("Submit the form once: that is the test.");
  });

  it("warn that an edited Google reference is lost silently, and that the script picks questions by title", () => {
    for (const language of ["en", "ru"] as const) {
      const steps = formInstructions(
        "google",
        config({ FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.555" }),
        language,
      ).steps.join("\n");
      expect(steps).toContain("422 invalid_ref");
      expect(steps).toContain("form submission refused");
      expect(steps).toContain("FORM_FIELDS");
    }
    const en = formInstructions(
      "google",
      config({ FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.555" }),
      "en",
    ).steps.join("\n");
    expect(en).toMatch(/alone on the form's last section/);
    expect(en).toMatch(/still sees their response recorded while the registration never reaches Herald/);
    expect(en).toMatch(/name Google questions by their title in FORM_FIELDS/);
  });

  it("test Typeform with the real form rather than its Send test request", () => {
    for (const language of ["en", "ru"] as const) {
      const last = formInstructions("typeform", config(), language).steps.at(-1) ?? "";
      expect(last).toContain("Send test request");
      expect(last).toContain("422 invalid_ref");
    }
    const last = formInstructions("typeform", config(), "en").steps.at(-1);
    expect(last).toMatch(/^Test with the real form, not Typeform's Send test request/);
    expect(last).toMatch(/a second test request counts as a resend of the first/);
  });

  it("say that Typeform's and Google's answer numbers are derived, and how moderation webhooks find them", () => {
    for (const provider of ["typeform", "google"] as const) {
      const note = formInstructions(provider, config(), "en").fieldsNote;
      expect(note).toMatch(
        /The answer number is derived from (Typeform's response token|Google's response id)/,
      );
      expect(note).toMatch(/a hash of it when it is not 1-40 letters and digits/);
      expect(note).toMatch(/moderation webhooks.*FORM_ANSWER_FIELD.*answer_id/);
      expect(formInstructions(provider, config(), "ru").fieldsNote).toMatch(
        /вебхуки модерации.*FORM_ANSWER_FIELD/,
      );
      // With FORM_ANSWER_FIELD set the number is the organiser's own: nothing to warn about.
      expect(formInstructions(provider, config({ FORM_ANSWER_FIELD: "Order" }), "en").fieldsNote).not.toMatch(
        /derived|moderation/,
      );
    }
    expect(formInstructions("tally", config(), "en").fieldsNote).not.toMatch(/derived|moderation/);
  });

  it("give Google its Apps Script and Yandex its body template, and generic senders a curl test", () => {
    const google = formInstructions(
      "google",
      config({ FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.555" }),
      "en",
    );
    expect(google.code?.text).toContain(google.url);
    expect(google.code?.text).toContain(formToken(SECRET, "google"));
    expect(google.code?.text).toContain(googleAppsScript(google.url, formToken(SECRET, "google"), ["ref"]));
    const withFields = formInstructions(
      "google",
      config({
        FORM_PROVIDER: "google",
        FORM_REF_PARAM: "entry.555",
        FORM_FIELDS: "city=Your city",
        FORM_ANSWER_FIELD: "Ticket no",
      }),
      "en",
    );
    expect(withFields.code?.text).toContain('const HERALD_QUESTIONS = ["ref","Ticket no","Your city"];');
    const yandexConfig = config({ FORM_FIELDS: "city, track=Which track?", FORM_REF_FIELD: "herald" });
    expect(formInstructions("yandex", yandexConfig, "en").code).toEqual({
      label: "The request body (paste it whole)",
      text: yandexBodyTemplate(yandexConfig.forms),
    });
    expect(JSON.parse(String(formInstructions("yandex", yandexConfig, "en").code?.text))).toMatchObject({
      herald: "<variable: answer to the hidden question herald>",
      answers: { city: "<variable: answer to the question city>", "Which track?": expect.any(String) },
    });
    const generic = formInstructions("generic", config({ FORM_FIELDS: "city" }), "en");
    expect(generic.code?.text).toContain(`curl -X POST '${generic.url}'`);
    expect(generic.code?.text).toContain(`X-Herald-Form-Token: ${formToken(SECRET, "generic")}`);
    expect(generic.code?.text).toContain('"city":"…"');
    expect(formInstructions("tally", config(), "en").code).toBeNull();
  });
});
