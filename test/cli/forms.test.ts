import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formsCli } from "../../src/cli/forms.js";
import { formToken } from "../../src/forms/providers.js";
import { TEST_DEEPLINK_SECRET, TEST_TOKEN, TEST_WEBHOOK_SECRET } from "../helpers/config.js";

const FORM_SECRET = "form-secret-for-the-cli-0123456789";
const ENV = {
  BOT_TOKEN: TEST_TOKEN,
  WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  DEEPLINK_SECRET: TEST_DEEPLINK_SECRET,
  FORM_SECRET,
  PUBLIC_URL: "https://herald.example.org",
  ENV_FILE: "/nonexistent/.env",
};
const OTHER_SECRETS = [TEST_TOKEN, TEST_WEBHOOK_SECRET, TEST_DEEPLINK_SECRET];

describe("npm run forms -- url <provider>", () => {
  it("prints Tally's URL and FORM_SECRET to paste as its signing secret, with the steps", () => {
    const result = formsCli(["url", "tally"], ENV);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("Webhook URL: https://herald.example.org/webhooks/forms/tally\n");
    expect(result.stdout).toContain(`Signing secret (FORM_SECRET): ${FORM_SECRET}\n`);
    expect(result.stdout).toMatch(/Steps:\n {2}1\. /);
    expect(result.stdout).toContain("Integrations → Webhooks");
  });

  it("prints the header and that builder's token for Yandex Forms, never FORM_SECRET or another secret", () => {
    const result = formsCli(["url", "yandex"], ENV);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Header name: X-Herald-Form-Token\n");
    expect(result.stdout).toContain(`Header value: ${formToken(FORM_SECRET, "yandex")}\n`);
    for (const secret of [FORM_SECRET, ...OTHER_SECRETS]) expect(result.stdout).not.toContain(secret);
  });

  it("never prints Herald's other secrets for any builder", () => {
    for (const provider of ["typeform", "tally", "tilda", "yandex", "google", "generic"]) {
      const result = formsCli(["url", provider], { ...ENV, FORM_REF_PARAM: "entry.42" });
      expect(result.code).toBe(0);
      for (const secret of OTHER_SECRETS) expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it("warns without PUBLIC_URL and prints the local address", () => {
    const result = formsCli(["url", "tilda"], { ...ENV, PUBLIC_URL: "", HTTP_PORT: "8080" });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `http://127.0.0.1:8080/webhooks/forms/tilda/${formToken(FORM_SECRET, "tilda")}`,
    );
    expect(result.stdout).toMatch(/PUBLIC_URL is not set.*public https address/);
  });

  it("exits 2 with a clear message for an unknown provider", () => {
    const result = formsCli(["url", "jotform"], ENV);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'forms: unknown provider "jotform": use one of typeform, tally, tilda, yandex, google, generic.\n',
    });
  });

  it("exits 2 and says how to turn the connectors on when FORM_SECRET is missing", () => {
    const result = formsCli(["url", "tally"], { ...ENV, FORM_SECRET: "" });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/FORM_SECRET is not set.*openssl rand -hex 32/);
  });

  it("exits 2 with the usage for a wrong command, and with the config's problems for a broken .env", () => {
    for (const args of [[], ["url"], ["list"], ["url", "tally", "extra"]]) {
      expect(formsCli(args, ENV)).toMatchObject({ code: 2, stdout: "" });
      expect(formsCli(args, ENV).stderr).toMatch(/^usage: npm run forms -- url <provider>/);
    }
    const broken = formsCli(["url", "tally"], { ...ENV, WEBHOOK_SECRET: "" });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/WEBHOOK_SECRET is missing/);
  });

  it("runs as a command, reading the environment and exiting with the code", { timeout: 60_000 }, () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/forms.ts", ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...env },
        encoding: "utf8",
      });
    const ok = run(["url", "typeform"], ENV);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("Webhook URL: https://herald.example.org/webhooks/forms/typeform");
    expect(ok.stdout).toContain(`Secret (FORM_SECRET): ${FORM_SECRET}`);
    const off = run(["url", "typeform"], { ...ENV, FORM_SECRET: "" });
    expect(off.status).toBe(2);
    expect(off.stderr).toMatch(/FORM_SECRET is not set/);
  });
});
