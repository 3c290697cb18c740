import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Sandbox } from "../../sandbox/index.js";
import { buttonUrls, type Check, exchange, firstLine, say } from "./chat.js";

export interface TallyAct {
  httpUrl: string;
  formSecret: string;
  organiserId: number;
  /** Herald's SQLite file (its -wal companion is read too), searched for what must not be stored. */
  databaseFile: string;
}

interface Guest {
  name: string;
  email: string;
  city: string;
  language: "ru" | "en";
  botFirst: boolean;
}

const GUESTS: readonly Guest[] = [
  {
    name: "Алина Соколова",
    email: "alina.sokolova@example.org",
    city: "Казань",
    language: "ru",
    botFirst: true,
  },
  { name: "Dmitry Volkov", email: "d.volkov@example.org", city: "Пермь", language: "en", botFirst: false },
  { name: "Ольга Ким", email: "olga.kim@example.org", city: "Томск", language: "ru", botFirst: true },
  { name: "Sam Porter", email: "sam.porter@example.org", city: "Самара", language: "en", botFirst: false },
];

/**
 * What Tally posts for one response (its webhook's FORM_RESPONSE event, as in Tally's docs): every
 * question of the form, including the name and e-mail the organiser asks for, and the hidden field
 * `ref` that Herald's form link filled. Herald must keep only `city` and bind by `ref`.
 */
function tallyBody(responseId: string, guest: Guest, ref: string | undefined): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    eventId: randomUUIDLike(),
    eventType: "FORM_RESPONSE",
    createdAt: now,
    data: {
      responseId,
      submissionId: responseId,
      respondentId: randomBytes(4).toString("base64url").slice(0, 6),
      formId: "mDe9Xo",
      formName: "Регистрация на форум",
      createdAt: now,
      fields: [
        { key: "question_gRkV1P", label: "Имя и фамилия", type: "INPUT_TEXT", value: guest.name },
        { key: "question_yPr0Zb", label: "E-mail", type: "INPUT_EMAIL", value: guest.email },
        {
          key: "question_E5o4Nv",
          label: "city",
          type: "DROPDOWN",
          value: ["c1a8f0e2"],
          options: [{ id: "c1a8f0e2", text: guest.city }],
        },
        { key: "question_VGqJ7d_ref", label: "ref", type: "HIDDEN_FIELDS", value: ref ?? null },
      ],
    },
  });
}

function randomUUIDLike(): string {
  const hex = randomBytes(16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Tally's signature: base64 HMAC-SHA256 of the raw body with the webhook's signing secret. */
function postTally(act: TallyAct, body: string, secret = act.formSecret) {
  return fetch(`${act.httpUrl}/webhooks/forms/tally`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "tally-signature": createHmac("sha256", secret).update(body).digest("base64"),
    },
    body,
  });
}

/**
 * Tally connected with no code: the organiser asks the cockpit for /forms tally and pastes what it
 * says; then a few attendees register through the form, bot first (the hidden `ref` binds them) or
 * form first (the deep link does). Names and e-mails in the bodies are dropped unread: the demo
 * searches the database file for them. A forged signature and a resent response are refused or
 * answered once.
 */
export async function playTally(
  sandbox: Sandbox,
  act: TallyAct,
): Promise<Check & { summary: object; problems: string[] }> {
  say("\n— Tally, connected with no code: registrations through the organiser's form —");
  const problems: string[] = [];
  // The watch for the test submission is open once the cockpit says so (its last message).
  await exchange(sandbox, act.organiserId, "/forms tally", (m) =>
    /тестовую заявку|test submission/.test(m.text ?? ""),
  );
  const instructions = sandbox
    .botMessages(act.organiserId)
    .findLast((m) => /Подключение: Tally|Connecting Tally/.test(m.text ?? ""));
  const text = instructions?.text ?? "";
  if (!(text.includes("/webhooks/forms/tally") && text.includes(act.formSecret))) {
    problems.push("/forms tally did not give the webhook URL and the signing secret");
  }
  say(
    `✓ the organiser sent /forms tally and got the webhook URL, the signing secret to paste and ${text.split(/\n\d+\. /).length - 1} steps`,
  );

  let bound = 0;
  let index = 0;
  for (const guest of GUESTS) {
    const user = sandbox.createUser({
      first_name: guest.name.split(" ")[0] ?? "Гость",
      language_code: guest.language,
    });
    let ref: string | undefined;
    if (guest.botFirst) {
      const welcome = await exchange(sandbox, user.id, "/start");
      const link = buttonUrls(welcome).find((url) => url.startsWith("https://tally.so/"));
      ref = link ? (new URL(link).searchParams.get("ref") ?? undefined) : undefined;
      if (!ref) problems.push(`${guest.city}: the welcome had no Tally link with ?ref=`);
    }
    const responseId = `demo${index++}${randomBytes(3).toString("hex")}`;
    const lastSeen = sandbox.botMessages(user.id).at(-1)?.message_id ?? 0;
    const answer = await postTally(act, tallyBody(responseId, guest, ref));
    const result = (await answer.json()) as { binding?: string | null; deep_link?: string | null };
    if (answer.status !== 201) {
      problems.push(`${guest.city}: Tally's post answered ${answer.status} ${JSON.stringify(result)}`);
      continue;
    }
    if (guest.botFirst) {
      const reply = await sandbox.waitForBotMessage(user.id, (m) => m.message_id > lastSeen, {
        timeoutMs: 30_000,
      });
      if (result.binding === "bound") bound++;
      else problems.push(`${guest.city}: the hidden ref did not bind`);
      say(
        `✓ bot first: /start → Tally form with ?ref= → Tally posts (201, ${result.binding}) → «${firstLine(reply.text)}»`,
      );
    } else {
      const payload = result.deep_link ? (new URL(result.deep_link).searchParams.get("start") ?? "") : "";
      const reply = await exchange(sandbox, user.id, `/start ${payload}`);
      const linked = /связана с этим чатом|linked to this chat/.test(reply.text ?? "");
      if (linked) bound++;
      else problems.push(`${guest.city}: the deep link after Tally did not bind`);
      say(`✓ form first: Tally posts (201) → the thank-you page's deep link → «${firstLine(reply.text)}»`);
    }
  }

  const report = await sandbox.waitForBotMessage(act.organiserId, (m) => (m.text ?? "").startsWith("🧪"), {
    timeoutMs: 30_000,
  });
  say(`✓ the organiser's test report: ${(report.text ?? "").split("\n").slice(2).join(" ")}`);

  // Tally retries a response it thinks failed: the same responseId gets the first answer again.
  const body = tallyBody("demo0resent", GUESTS[0] as Guest, undefined);
  const first = await postTally(act, body);
  const firstAnswer = await first.text();
  const retry = await postTally(act, body);
  const retryAnswer = await retry.text();
  const replayOk = first.status === 201 && retry.status === 201 && retryAnswer === firstAnswer;
  if (!replayOk) problems.push(`a retried Tally response answered ${first.status}, then ${retry.status}`);
  const forged = await postTally(
    act,
    tallyBody("forged1", GUESTS[1] as Guest, undefined),
    "not-the-signing-secret-000000",
  );
  if (forged.status !== 401) problems.push(`a forged Tally signature answered ${forged.status}`);
  if (replayOk && forged.status === 401) {
    say(
      "✓ Tally's retry of a response gets the first answer again, nothing twice; a forged signature is refused (401)",
    );
  }

  const stored = ["", "-wal"].map((suffix) => {
    try {
      return readFileSync(`${act.databaseFile}${suffix}`);
    } catch {
      return Buffer.alloc(0);
    }
  });
  const leaked = GUESTS.flatMap((g) => [g.name, g.email]).filter((value) =>
    stored.some((bytes) => bytes.includes(Buffer.from(value, "utf8"))),
  );
  const citiesKept = GUESTS.filter((g) =>
    stored.some((bytes) => bytes.includes(Buffer.from(g.city, "utf8"))),
  ).length;
  if (leaked.length > 0)
    problems.push(`the database holds ${leaked.length} names or e-mails from Tally's bodies`);
  say(
    `${leaked.length === 0 ? "✓" : "✗"} the database file holds ${leaked.length} of the ${GUESTS.length * 2} names and e-mails Tally sent, and the city of ${citiesKept} of ${GUESTS.length} (FORM_FIELDS=city)`,
  );
  for (const problem of problems) say(`✗ ${problem}`);
  return {
    ok: problems.length === 0,
    problems,
    summary: {
      registrations: GUESTS.length,
      bound,
      namesOrEmailsStored: leaked.length,
      forgedStatus: forged.status,
    },
  };
}
