import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { formsButton } from "../../src/bot/callback-data.js";
import { formToken } from "../../src/forms/providers.js";
import type { ChatRecord } from "../../src/sandbox/index.js";
import {
  auditActions,
  colleague,
  group,
  organiser,
  press,
  reader,
  sandbox,
  sqlite,
  startHerald,
  useCockpitHarness,
} from "../helpers/cockpit-harness.js";
import { waitFor } from "../helpers/wait-for.js";

useCockpitHarness();

const FORM_SECRET = "form-secret-for-the-cockpit-0123456789";
const FORMS_ON = { FORM_SECRET, PUBLIC_URL: "https://herald.example.org", FORM_FIELDS: "city" };

type Button = { text: string; callback_data?: string; copy_text?: { text: string } };
const buttons = (message: ChatRecord) =>
  ((message.reply_markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

/** A submission as Tally sends it, signed with FORM_SECRET as Tally does (base64 HMAC-SHA256 of the body). */
function tallySubmission(responseId: string) {
  const body = JSON.stringify({
    eventId: `evt-${responseId}`,
    eventType: "FORM_RESPONSE",
    createdAt: "2026-12-04T10:00:00.000Z",
    data: {
      responseId,
      submissionId: responseId,
      respondentId: "dwQKYm",
      formId: "VwbNEw",
      formName: "Forum registration",
      createdAt: "2026-12-04T10:00:00.000Z",
      fields: [
        { key: "question_mVGEg3", label: "Your name", type: "INPUT_TEXT", value: "Alice Example" },
        { key: "question_3EKz4n", label: "Email", type: "INPUT_EMAIL", value: "alice@example.org" },
        { key: "question_w4Q4Xn", label: "city", type: "INPUT_TEXT", value: "Kazan" },
      ],
    },
  });
  const signature = createHmac("sha256", FORM_SECRET).update(body).digest("base64");
  return { body, headers: { "content-type": "application/json", "tally-signature": signature } };
}

describe("/forms in the cockpit", { timeout: 120_000 }, () => {
  it("says how to turn the connectors on while FORM_SECRET is not set", async () => {
    await startHerald();
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/forms");
    const off = await chat.next(/^Form connectors are off: FORM_SECRET is not set/);
    expect(off.text).toContain("openssl rand -hex 32");
    expect(off.text).toContain("PUBLIC_URL");
    sandbox.userSends(organiser.id, "/forms tally");
    await chat.next(/^Form connectors are off/);
  });

  it("lists the builders, shows Tally's instructions, and reports the test submission by names only", async () => {
    const { httpUrl } = await startHerald(FORMS_ON);
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/forms");
    const list = await chat.next(/^Connecting your registration form: pick its builder/);
    expect(buttons(list).map((b) => b.text)).toEqual([
      "Typeform",
      "Tally",
      "Tilda",
      "Yandex Forms",
      "Google Forms",
      "JSON (any system)",
    ]);
    expect(buttons(list).find((b) => b.text === "Tally")?.callback_data).toBe("fm:tally");

    press(organiser, organiser.id, list, /^Tally$/);
    const instructions = await chat.next(/^Connecting Tally/);
    expect(instructions.text).toContain("Webhook URL: https://herald.example.org/webhooks/forms/tally\n");
    expect(instructions.text).toContain(`Signing secret (FORM_SECRET): ${FORM_SECRET}\n`);
    expect(instructions.text).toContain("1. In Herald's settings set FORM_PROVIDER=tally");
    expect(instructions.text).toContain("Integrations → Webhooks → Connect");
    expect(instructions.text).toContain("FORM_FIELDS: city.");
    expect(buttons(instructions).map((b) => [b.text, b.copy_text?.text])).toEqual([
      ["📋 Webhook URL", "https://herald.example.org/webhooks/forms/tally"],
      ["📋 Signing secret (FORM_SECRET)", FORM_SECRET],
    ]);
    await chat.next(/^Now send a test submission through the form/);
    expect(auditActions().map((a) => a.action)).toContain("forms.watch");

    // The organiser submits their Tally form; Tally posts it to Herald, signed.
    const submission = tallySubmission("2wgx4n");
    const posted = await fetch(`${httpUrl}/webhooks/forms/tally`, {
      method: "POST",
      headers: submission.headers,
      body: submission.body,
    });
    expect(posted.status).toBe(201);
    const report = await chat.next(/^🧪 A test submission from tally has arrived/);
    expect(report.text).toContain("Attributes filled: city.");
    expect(report.text).toContain("Other fields dropped unread: 2.");
    for (const value of ["Alice", "alice@example.org", "Kazan"]) expect(report.text).not.toContain(value);

    // The watch is spent: the next submission is not reported again.
    const second = tallySubmission("3xhy5p");
    await fetch(`${httpUrl}/webhooks/forms/tally`, {
      method: "POST",
      headers: second.headers,
      body: second.body,
    });
    expect(sqlite().prepare("SELECT count(*) AS n FROM registrations").get()).toEqual({ n: 2 });
    expect(
      sqlite().prepare("SELECT count(*) AS n FROM deliveries WHERE job_key LIKE 'form-test:%'").get(),
    ).toEqual({ n: 1 });
  });

  it("opens the watch before replying, so a test submission is reported even when the replies fail", async () => {
    const { httpUrl } = await startHerald(FORMS_ON);
    // Every message Herald sends is refused (500) until the faults are lifted: /forms's replies fail.
    sandbox.setFaults({ errorRate: 1 });
    sandbox.userSends(organiser.id, "/forms tally");
    await waitFor(() => (sandbox.stats().errors["500"] ?? 0) > 0, { what: "the first reply to fail" });
    expect(sqlite().prepare("SELECT provider, chat_id AS chatId FROM form_watches").all()).toEqual([
      { provider: "tally", chatId: organiser.id },
    ]);
    expect(auditActions().map((a) => a.action)).toContain("forms.watch");
    expect(sandbox.botMessages(organiser.id)).toEqual([]);

    sandbox.setFaults({ errorRate: 0 });
    const submission = tallySubmission("4zkq7r");
    const posted = await fetch(`${httpUrl}/webhooks/forms/tally`, {
      method: "POST",
      headers: submission.headers,
      body: submission.body,
    });
    expect(posted.status).toBe(201);
    const report = await reader(organiser.id).next(/^🧪 A test submission from tally has arrived/);
    expect(report.text).toContain("Attributes filled: city.");
  });

  it("speaks the organiser's language in the group and keeps tokens out of it", async () => {
    await startHerald(FORMS_ON);
    const chat = reader(group.id);
    sandbox.userSends(colleague.id, "/forms yandex", { chatId: group.id });
    const instructions = await chat.next(/^Подключение: Yandex Forms/);
    expect(instructions.text).toContain("URL вебхука: https://herald.example.org/webhooks/forms/yandex\n");
    expect(instructions.text).toContain("Имя заголовка: X-Herald-Form-Token\n");
    expect(instructions.text).toContain(
      "Значение заголовка: 🔒 скрыто в группе: наберите /forms yandex в личном чате со мной",
    );
    expect(instructions.text).toContain("Запрос заданным методом");
    expect(instructions.text).not.toContain(formToken(FORM_SECRET, "yandex"));
    expect(instructions.text).not.toContain(FORM_SECRET);
    expect(buttons(instructions)).toEqual([]);
    const template = await chat.next(/^Тело запроса/);
    expect(template.text).toContain('"id": "<variable: answer ID>"');
    expect(template.text).toContain(
      '"answers": {\n    "city": "<variable: answer to the question city>"\n  }',
    );
    await chat.next(/^Теперь отправьте тестовую заявку/);

    sandbox.userSends(colleague.id, "/forms google", { chatId: group.id });
    await chat.next(/^Подключение: Google Forms/);
    const script = await chat.next(/^Скрипт Apps Script/);
    expect(script.text).toMatch(/в нём токен, поэтому он только в личном чате со мной \(\/forms google\)/);
    expect(script.text).not.toContain(formToken(FORM_SECRET, "google"));

    sandbox.userSends(colleague.id, "/forms jotform", { chatId: group.id });
    const unknown = await chat.next(/^Не знаю конструктор «jotform»/);
    expect(buttons(unknown)).toHaveLength(6);
  });

  it("gives the token in a private chat, with the Apps Script for Google", async () => {
    await startHerald({ ...FORMS_ON, FORM_PROVIDER: "google", FORM_REF_PARAM: "entry.1234567890" });
    const chat = reader(organiser.id);
    sandbox.userSends(organiser.id, "/forms google");
    const instructions = await chat.next(/^Connecting Google Forms/);
    expect(instructions.text).toContain(`Header value: ${formToken(FORM_SECRET, "google")}`);
    expect(instructions.text).not.toContain("FORM_PROVIDER=google");
    expect(instructions.text).toContain("now entry.1234567890");
    const script = await chat.next(/^The Apps Script/);
    expect(script.text).toContain('const HERALD_URL = "https://herald.example.org/webhooks/forms/google";');
    expect(script.text).toContain(`const HERALD_TOKEN = "${formToken(FORM_SECRET, "google")}";`);
    expect(script.text).toContain('const HERALD_QUESTIONS = ["ref","city"];');
  });

  it("is in /help and in the organisers' command menus, and its buttons are the cockpit's", async () => {
    await startHerald(FORMS_ON);
    sandbox.userSends(colleague.id, "/help", { chatId: group.id });
    const help = await reader(group.id).next(/^Открытого диалога нет\. Команды организатора/);
    expect(help.text).toContain("\n/forms — подключить форму регистрации");
    const names = (commands: unknown[]) => commands.map((c) => (c as { command: string }).command);
    expect(names(sandbox.commandsFor(organiser.id))).toContain("forms");
    expect(names(sandbox.commandsFor(group.id, { userId: colleague.id }))).toContain("forms");
    expect(formsButton.decode("fm:tilda")).toEqual({ provider: "tilda" });
    expect(formsButton.decode("fm:jotform")).toBeUndefined();

    // An attendee does not reach it.
    const attendee = sandbox.createUser({ first_name: "Anna", language_code: "en" }, { started: true });
    sandbox.userSends(attendee.id, "/forms");
    await reader(attendee.id).next(/^I don't know that command/);
  });
});
