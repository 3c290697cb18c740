import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, readEnv, secretsOf } from "../src/config.js";
import { FORM_PROVIDERS, formToken } from "../src/forms/providers.js";
import { TEST_DEEPLINK_SECRET, TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "./helpers/config.js";
import { makeTempDir } from "./helpers/temp-dir.js";

const required = {
  BOT_TOKEN: TEST_TOKEN,
  WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  DEEPLINK_SECRET: TEST_DEEPLINK_SECRET,
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      botApiRoot: "https://api.telegram.org",
      databaseFile: "./data/herald.db",
      adminIds: [],
      adminChatId: null,
      http: { host: "127.0.0.1", port: 3000 },
      timezone: "Europe/Moscow",
      quietHours: { start: 22 * 60, end: 9 * 60 },
      broadcastRate: 30,
      logLevel: "info",
    });
  });

  it("returns a deeply frozen object", () => {
    const config = testConfig({ ADMIN_IDS: "1,2" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.adminIds)).toBe(true);
  });

  it("lists every missing required variable at once, with how to fix it", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^BOT_TOKEN is missing: .*@BotFather/);
    expect(problems[1]).toMatch(/^WEBHOOK_SECRET is missing: .*openssl rand/);
    expect(problems[2]).toMatch(/^DEEPLINK_SECRET is missing/);
  });

  it("reports each invalid value, naming the variable", () => {
    const problems = problemsOf({
      ...required,
      BOT_API_ROOT: "ftp://example.org",
      ADMIN_IDS: "42, abc",
      ADMIN_CHAT_ID: "12345",
      HTTP_PORT: "70000",
      TIMEZONE: "Europe/Atlantis",
      QUIET_HOURS: "9pm-9am",
      BROADCAST_RATE: "5000",
      LOG_LEVEL: "chatty",
    });
    const names = problems.map((p) => p.split(" ")[0]);
    expect(names).toEqual([
      "BOT_API_ROOT",
      "ADMIN_IDS",
      "ADMIN_CHAT_ID",
      "HTTP_PORT",
      "TIMEZONE",
      "QUIET_HOURS",
      "BROADCAST_RATE",
      "LOG_LEVEL",
    ]);
  });

  it("never repeats a secret's value in its messages", () => {
    const badToken = "not-a-token-but-secret-looking-value";
    const error = (() => {
      try {
        loadConfig({ ...required, BOT_TOKEN: badToken, WEBHOOK_SECRET: "tiny" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain("BOT_TOKEN does not look like a bot token");
    expect(error?.message).toContain("WEBHOOK_SECRET is too short");
    expect(error?.message).not.toContain(badToken);
    expect(error?.message).not.toContain("tiny");
  });

  it("parses lists, the admin chat, quiet hours across midnight, and 'off'", () => {
    const config = testConfig({
      ADMIN_IDS: " 111, 222,111 ,",
      ADMIN_CHAT_ID: "-1001234567890",
      QUIET_HOURS: "23:30–07:15",
      BOT_API_ROOT: "http://127.0.0.1:8081/",
    });
    expect(config.adminIds).toEqual([111, 222]);
    expect(config.adminChatId).toBe(-1001234567890);
    expect(config.quietHours).toEqual({ start: 23 * 60 + 30, end: 7 * 60 + 15 });
    expect(config.botApiRoot).toBe("http://127.0.0.1:8081");
    expect(testConfig({ QUIET_HOURS: "off" }).quietHours).toBeNull();
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ ...required, ADMIN_CHAT_ID: "", LOG_LEVEL: "  " }).logLevel).toBe("info");
  });
});

describe("loadConfig: form connectors", () => {
  it("reads the FORM_* settings, with the documented defaults", () => {
    expect(loadConfig(required).forms).toEqual({
      secret: null,
      provider: null,
      fields: [],
      answerField: null,
      refField: "ref",
      refParam: null,
    });
    const config = loadConfig({
      ...required,
      FORM_SECRET: "form-secret-0123456789",
      FORM_PROVIDER: "Tally",
      FORM_FIELDS: "city, track=Трек участия",
      PUBLIC_URL: "https://herald.example.org/",
    });
    expect(config.forms).toMatchObject({
      secret: "form-secret-0123456789",
      provider: "tally",
      fields: [
        { attribute: "city", field: "city" },
        { attribute: "track", field: "Трек участия" },
      ],
    });
    expect(config.publicUrl).toBe("https://herald.example.org");
  });

  it("refuses personal fields, bad pairs, an unknown provider and Google without its entry", () => {
    const problems = problemsOf({
      ...required,
      FORM_SECRET: "short",
      FORM_PROVIDER: "jotform",
      FORM_FIELDS: "city,phone,track=Ваш телефон,Bad Name=x",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^FORM_SECRET is too short/),
      expect.stringMatching(/^FORM_PROVIDER "jotform" must be one of typeform, tally/),
      expect.stringMatching(/^FORM_FIELDS has "phone": "phone" looks like personal data/),
      expect.stringMatching(/^FORM_FIELDS has "track=Ваш телефон": "Ваш телефон" looks like personal data/),
      expect.stringMatching(/^FORM_FIELDS has "Bad Name=x": list attribute=field pairs/),
    ]);
    expect(problemsOf({ ...required, FORM_ANSWER_FIELD: "Телефон", FORM_REF_FIELD: "email" })).toEqual([
      expect.stringMatching(/^FORM_ANSWER_FIELD: "Телефон" looks like personal data/),
      expect.stringMatching(/^FORM_REF_FIELD: "email" looks like personal data/),
    ]);
    expect(problemsOf({ ...required, FORM_PROVIDER: "google" })).toEqual([
      expect.stringMatching(/^FORM_PROVIDER "google" needs FORM_REF_PARAM/),
    ]);
    expect(
      loadConfig({ ...required, FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.123" }).forms.refParam,
    ).toBe("entry.123");
  });
});

describe("readEnv", () => {
  const dirs: Array<{ cleanup(): void }> = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  it("reads a .env file and lets the real environment win", () => {
    const dir = makeTempDir();
    dirs.push(dir);
    mkdirSync(dir.path, { recursive: true });
    const file = join(dir.path, ".env");
    writeFileSync(file, "# comment\nLOG_LEVEL=debug\nTIMEZONE=Asia/Tokyo\n");
    const env = readEnv({ TIMEZONE: "Europe/Berlin" }, file);
    expect(env.LOG_LEVEL).toBe("debug");
    expect(env.TIMEZONE).toBe("Europe/Berlin");
  });

  it("is the environment itself when there is no file", () => {
    const env = { A: "1" };
    expect(readEnv(env, "/nonexistent/.env")).toBe(env);
  });
});

describe("secretsOf", () => {
  it("lists the token, the secrets and every form token derived from FORM_SECRET", () => {
    const config = loadConfig({ ...required, FORM_SECRET: "form-secret-0123456789" });
    const secrets = secretsOf(config);
    expect(secrets).toEqual(
      expect.arrayContaining([
        TEST_TOKEN,
        TEST_WEBHOOK_SECRET,
        TEST_DEEPLINK_SECRET,
        "form-secret-0123456789",
      ]),
    );
    expect(secrets).toContain(formToken("form-secret-0123456789", "tilda"));
    expect(secrets).toHaveLength(4 + FORM_PROVIDERS.length);
    expect(secretsOf(loadConfig(required))).toHaveLength(3);
  });
});
