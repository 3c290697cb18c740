/**
 * `npm run demo`: the whole Herald against the local Telegram sandbox. First a few attendees talk
 * to the bot; then the forum's reference flow for a few hundred attendees: form submissions, deep
 * links in both orders, forged links, moderation, tickets. Prints what happened in plain words and
 * the funnel, and exits 0 when everything happened as it should (1 otherwise).
 * `--json` adds a summary object as the last line; `--attendees N` sets the crowd (default 300).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { countSubscribers } from "../audience/subscribers.js";
import { type Config, loadConfig } from "../config.js";
import type { HeraldDatabase } from "../db/client.js";
import { createBroadcasts } from "../delivery/broadcasts.js";
import { countDeliveries } from "../delivery/outbox.js";
import { createHerald } from "../herald.js";
import { createWebhookClient, type WebhookClient } from "../http/client.js";
import { createLogger, type Logger } from "../logger.js";
import { type ChatRecord, createSandbox, DEFAULT_SANDBOX_TOKEN, type Sandbox } from "../sandbox/index.js";
import { createScenarios } from "../scenarios/scenarios.js";
import { readVersion } from "../version.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const attendeeCount = Number(args[args.indexOf("--attendees") + 1] ?? 300) || 300;
const say = (line = "") => process.stdout.write(`${line}\n`);
const FORM_URL = "https://forum.example.org/register";
const TICKET_TEXT = /Ваш билет|Your event ticket/;
const REJECTION_TEXT = /не прошла модерацию|did not pass moderation/;

interface Check {
  ok: boolean;
}

async function demo(): Promise<Record<string, unknown>> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), "herald-demo-"));
  const sandbox = createSandbox({ latency: { minMs: 20, maxMs: 60 }, seed: 2026 });
  const sandboxUrl = await sandbox.listen();
  say(
    `Telegram sandbox at ${sandboxUrl}: Bot API latency 20–60 ms, Telegram's flood limits (30 msg/s in bulk).`,
  );

  // The organiser who runs the cockpit, and the organisers' group (the bot's admin chat).
  const organiserUser = sandbox.createUser(
    { first_name: "Организатор", language_code: "ru" },
    { started: true },
  );
  const organisersGroup = sandbox.createGroup({
    title: "Организаторы форума",
    memberIds: [organiserUser.id],
  });
  const config = loadConfig({
    BOT_TOKEN: DEFAULT_SANDBOX_TOKEN,
    ADMIN_IDS: String(organiserUser.id),
    ADMIN_CHAT_ID: String(organisersGroup.id),
    BOT_API_ROOT: sandboxUrl,
    DATABASE_FILE: join(workDir, "herald.db"),
    WEBHOOK_SECRET: randomBytes(32).toString("hex"),
    DEEPLINK_SECRET: randomBytes(32).toString("hex"),
    FORM_URL,
    HTTP_PORT: "0",
    // The forged links the demo plays are logged as warnings; only real trouble should show.
    LOG_LEVEL: "error",
    // The reminder scenario is played below on a compressed clock rather than by the minute cron.
    SCENARIOS: "off",
  });
  // Logs go to stderr so that stdout holds the story (and, with --json, ends with the summary).
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.botToken, config.webhookSecret, config.deeplinkSecret],
    destination: pino.destination(2),
  });
  const herald = createHerald({ config, logger, version: readVersion() });

  try {
    const { httpUrl, bot } = await herald.start();
    say(`Herald started as @${bot.username}; HTTP at ${httpUrl}; a fresh database in a temporary folder.\n`);
    const organiser = createWebhookClient(httpUrl, config.webhookSecret);

    const conversation = await playConversations(sandbox);
    if (!herald.database) throw new Error("Herald has no database");
    const scenario = await playScenario(sandbox, organiser, herald.database, logger, config);
    const forum = await playForum(sandbox, organiser, attendeeCount);
    if (!herald.database) throw new Error("Herald has no database");
    const broadcast = await playBroadcast(sandbox, herald.database, organiserUser.id, organisersGroup.id);

    const health = (await (await fetch(`${httpUrl}/healthz`)).json()) as Record<string, unknown>;
    say(`\nGET /healthz → ${JSON.stringify(health)}`);
    const database = herald.database;
    const subscribers = database ? countSubscribers(database.db) : 0;
    const deliveries = database ? countDeliveries(database.db) : undefined;
    const stats = sandbox.stats();
    say(
      `Herald knows ${subscribers} subscribers (Telegram IDs only: no names are stored); outbox: ${JSON.stringify(deliveries)}. ` +
        `It made ${stats.requests} Bot API calls, sent ${stats.messagesSent} messages; Telegram answered 429 ${stats.http429} times ${JSON.stringify(stats.http429ByScope)}.`,
    );
    await herald.stop();
    say("Herald stopped cleanly.");

    const ok = conversation.ok && scenario.ok && forum.ok && broadcast.ok && health.status === "ok";
    return {
      ok,
      conversation: { steps: conversation.steps, failures: conversation.failures },
      scenario: scenario.summary,
      funnel: forum.funnel,
      broadcast: broadcast.summary,
      problems: [...scenario.problems, ...forum.problems, ...broadcast.problems],
      subscribers,
      botApiCalls: stats.requests,
      messagesSent: stats.messagesSent,
      http429: stats.http429,
      health: health.status,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await herald.stop();
    await sandbox.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** A few attendees talk to the bot; every answer is checked. */
async function playConversations(sandbox: Sandbox): Promise<Check & { steps: number; failures: number }> {
  say("— A few attendees talk to the bot —");
  const scripts = [
    {
      user: sandbox.createUser({ first_name: "Анна", username: "anna_demo", language_code: "ru" }),
      steps: [
        { send: "/start", expect: /Здравствуйте/ },
        { send: "/start", expect: /С возвращением|Здравствуйте/ },
      ],
    },
    {
      user: sandbox.createUser({ first_name: "John", last_name: "Smith", language_code: "en-GB" }),
      steps: [
        { send: "/start", expect: /^Hello!/ },
        { send: "/help", expect: /I send your ticket/ },
      ],
    },
    {
      user: sandbox.createUser({ first_name: "Мария", language_code: "ru" }),
      steps: [{ send: "А где мой билет?", expect: /не отвечаю на сообщения/ }],
    },
    {
      user: sandbox.createUser({ first_name: "Pierre", language_code: "fr" }),
      steps: [
        { send: "/tickets", expect: /Не знаю такой команды/ },
        { send: "/stop", expect: /Отписаться от сообщений бота\?/ },
      ],
    },
  ];
  let steps = 0;
  let failures = 0;
  for (const { user, steps: script } of scripts) {
    for (const step of script) {
      const answer = await exchange(sandbox, user.id, step.send);
      const ok = step.expect.test(answer.text ?? "");
      steps++;
      if (!ok) failures++;
      say(
        `${ok ? "✓" : "✗"} ${user.first_name} (${user.language_code}): ${JSON.stringify(step.send)} → «${firstLine(answer.text)}»`,
      );
    }
  }
  return { ok: failures === 0, steps, failures };
}

/** The reference flow: a crowd registers, binds in both orders, is moderated, and gets tickets. */
async function playForum(sandbox: Sandbox, organiser: WebhookClient, count: number) {
  say(`\n— The forum: ${count} attendees register —`);
  const problems: string[] = [];
  const attendees = Array.from({ length: count }, (_, i) => ({
    answerId: String(100_000 + i),
    user: sandbox.createUser({ first_name: `Гость ${i}`, language_code: i % 5 === 0 ? "en" : "ru" }),
    botFirst: i % 7 === 3,
    approveEarly: i % 10 === 1,
    rejected: i % 6 === 5,
    ticketUrl: `https://tickets.example.org/t/${100_000 + i}?sig=${randomBytes(6).toString("hex")}&lang=ru`,
    bound: false,
  }));

  // 1. Form first: the form site posts the submission and shows the deep link; the attendee opens it.
  //    Bot first: the attendee starts the bot, follows its form link, and the submission carries the ref.
  //    Some approvals arrive before the attendee ever opens the bot.
  await inBatches(attendees, 25, async (a) => {
    let payload: string | undefined;
    if (a.botFirst) {
      const welcome = await exchange(sandbox, a.user.id, "/start");
      const ref = buttonUrls(welcome)
        .map((url) => new URL(url).searchParams.get("ref"))
        .find(Boolean);
      if (!ref) problems.push(`${a.answerId}: no form link in the welcome`);
      const submitted = await organiser.submit(a.answerId, {
        ...(ref ? { ref } : {}),
        attributes: { track: "online" },
      });
      if (submitted.body.binding !== "bound")
        problems.push(`${a.answerId}: bot-first submission did not bind`);
      a.bound = submitted.body.binding === "bound";
    } else {
      const submitted = await organiser.submit(a.answerId, { attributes: { track: "offline" } });
      payload = new URL(String(submitted.body.deep_link)).searchParams.get("start") ?? "";
    }
    if (a.approveEarly && !a.rejected) await organiser.approve(a.answerId, a.ticketUrl);
    if (payload !== undefined) {
      const reply = await exchange(
        sandbox,
        a.user.id,
        `/start ${payload}`,
        (m) => !TICKET_TEXT.test(m.text ?? ""),
      );
      a.bound = /связана с этим чатом|linked to this chat/.test(reply.text ?? "");
      if (!a.bound) problems.push(`${a.answerId}: deep link did not bind: ${firstLine(reply.text)}`);
    }
  });
  const bound = attendees.filter((a) => a.bound).length;
  say(`✓ ${count} form submissions signed and accepted; ${bound} answers bound to Telegram IDs`);
  say(
    `  (${attendees.filter((a) => a.botFirst).length} bot first via the form's ref, the rest through deep links)`,
  );

  // 2. Impostors: two forged links and one attendee opening someone else's link.
  const mallory = sandbox.createUser({ first_name: "Mallory", language_code: "en" });
  const forged = [`a-${attendees[0]?.answerId}-AAAAAAAAAAAAAAAA`, `a-${attendees[1]?.answerId}`];
  let forgedRefused = 0;
  for (const payload of forged) {
    const reply = await exchange(sandbox, mallory.id, `/start ${payload}`);
    if (/did not work/.test(reply.text ?? "")) forgedRefused++;
    else problems.push(`forged link ${payload} was not refused`);
  }
  const victim = attendees.find((a) => !a.botFirst);
  let conflicts = 0;
  if (victim) {
    const link = (await organiser.deepLink(victim.answerId)).body.payload as string;
    const reply = await exchange(sandbox, mallory.id, `/start ${link}`);
    if (/another Telegram account/.test(reply.text ?? "")) conflicts++;
    else problems.push("someone else's link was not refused");
  }
  say(
    `✓ ${forgedRefused} forged links refused kindly; ${conflicts} attempt to take someone else's answer refused`,
  );

  // 3. Moderation decides the rest; the registration landing page reports completions.
  await inBatches(attendees, 25, async (a) => {
    if (a.rejected) await organiser.reject(a.answerId, "Офлайн-зал заполнен, ждём вас онлайн.");
    else if (!a.approveEarly) await organiser.approve(a.answerId, a.ticketUrl);
  });
  const approved = attendees.filter((a) => !a.rejected);
  say(`✓ moderation: ${approved.length} approved, ${count - approved.length} rejected`);

  // 4. Every decision reaches its attendee through the outbox, at Telegram's pace.
  const deadline = Date.now() + 120_000;
  const received = (a: (typeof attendees)[number], pattern: RegExp) =>
    sandbox.botMessages(a.user.id).filter((m) => pattern.test(m.text ?? ""));
  while (Date.now() < deadline) {
    const waiting = attendees.filter(
      (a) => received(a, a.rejected ? REJECTION_TEXT : TICKET_TEXT).length === 0,
    );
    if (waiting.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  let tickets = 0;
  let exact = 0;
  let duplicates = 0;
  let notices = 0;
  for (const a of attendees) {
    if (a.rejected) {
      notices += received(a, REJECTION_TEXT).length > 0 ? 1 : 0;
      continue;
    }
    const got = received(a, TICKET_TEXT);
    if (got.length > 0) tickets++;
    if (got.length > 1) duplicates++;
    if (got.some((m) => buttonUrls(m).includes(a.ticketUrl) && (m.text ?? "").includes(a.ticketUrl))) exact++;
  }
  if (tickets !== approved.length)
    problems.push(`${approved.length - tickets} approved attendees got no ticket`);
  if (exact !== tickets) problems.push(`${tickets - exact} tickets did not carry the exact e-mailed link`);
  if (duplicates > 0) problems.push(`${duplicates} attendees got a ticket twice`);
  if (notices !== count - approved.length) problems.push("some rejected attendees were not told");
  say(
    `✓ ${tickets} tickets received in Telegram, ${exact} with the very link the organiser e-mailed; ${duplicates} twice`,
  );
  say(`✓ ${notices} rejection notices received`);

  await inBatches(
    approved.filter((_, i) => i % 3 !== 0),
    25,
    (a) => organiser.complete(a.answerId),
  );
  const completed = approved.filter((_, i) => i % 3 !== 0).length;

  const funnel = {
    submitted: count,
    bound,
    approved: approved.length,
    ticketsReceived: tickets,
    ticketsWithExactLink: exact,
    rejected: count - approved.length,
    rejectionNoticesReceived: notices,
    completed,
    forgedLinksRefused: forgedRefused,
    bindConflicts: conflicts,
  };
  say("\nFunnel:");
  say(`  submitted ${funnel.submitted} → bound in Telegram ${funnel.bound} → approved ${funnel.approved}`);
  say(`  → ticket received ${funnel.ticketsReceived} → registration completed ${funnel.completed}`);
  for (const problem of problems) say(`✗ ${problem}`);
  return { ok: problems.length === 0, funnel, problems };
}

/**
 * The organisers call everyone to the live stream from Telegram itself: an organiser composes the
 * broadcast in the bot's cockpit (a formatted text with each attendee's answer number and a button
 * with their own ticket link), checks the preview and a test send, launches it, and watches the
 * progress message until the report and its CSV arrive. Every active subscriber must get it once.
 */
async function playBroadcast(
  sandbox: Sandbox,
  database: HeraldDatabase,
  organiserId: number,
  groupId: number,
) {
  say("\n— The live stream starts: an organiser composes a broadcast in the bot's cockpit —");
  const problems: string[] = [];
  const before = new Map(
    (
      database.sqlite.prepare("SELECT telegram_id FROM subscribers WHERE status = 'active'").all() as Array<{
        telegram_id: number;
      }>
    ).map((row) => [row.telegram_id, sandbox.botMessages(row.telegram_id).length]),
  );
  let seen = sandbox.botMessages(organiserId).at(-1)?.message_id ?? 0;
  const next = async (pattern: RegExp) => {
    const found = await sandbox.waitForBotMessage(
      organiserId,
      (m) => m.message_id > seen && pattern.test(m.text ?? m.caption ?? ""),
      { timeoutMs: 30_000 },
    );
    seen = found.message_id;
    return found;
  };
  const press = (message: ChatRecord, label: RegExp) => {
    const rows = (
      message.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> }
    )?.inline_keyboard;
    const button = rows?.flat().find((b) => label.test(b.text));
    if (!button?.callback_data) throw new Error(`no button ${label} under "${firstLine(message.text)}"`);
    say(`  organiser presses [${button.text}]`);
    sandbox.userPresses(organiserId, { messageId: message.message_id, data: button.callback_data });
  };
  const organiserSays = (text: string, entities?: Parameters<Sandbox["userSends"]>[2]) => {
    say(`  organiser: ${text.replaceAll("\n", " ⏎ ")}`);
    sandbox.userSends(organiserId, text, entities);
  };

  organiserSays("/new");
  say(`  bot: ${firstLine((await next(/^Новая рассылка/)).text)}`);
  const text = "🔴 Трансляция начинается!\nЗаявка № {answer_id}: ваш зал — {track}.";
  organiserSays(text, { entities: [{ type: "bold", offset: 3, length: 22 }] });
  await next(/^Добавьте кнопки/);
  organiserSays("Смотреть - https://live.example.org/?a={answer_id}\nВаш билет - {ticket_url}");
  const audience = await next(/^Кому отправить/);
  press(audience, /^Все активные/);
  const plan = await next(/^План/);
  say(`  bot: ${plan.text?.split("\n").slice(1, 4).join(" · ")}`);
  // It is live now, night or not: urgent skips the quiet hours.
  press(plan, /Срочно/);
  await sandbox.waitForBotMessage(organiserId, (m) => m.message_id === plan.message_id && m.edits.length > 0);
  press(plan, /Дальше/);
  const preview = await next(/^🔴/);
  const confirm = await next(/^Выше — сообщение/);
  say(`  bot: "${firstLine(preview.text)} / ${preview.text?.split("\n")[1]}" — ${confirm.text}`);
  press(confirm, /Тест мне/);
  await next(/^🔴/);
  const tested = await next(/^Тестовое сообщение отправлено/);
  say(`  bot: ${tested.text}`);
  const started = Date.now();
  press(tested, /Запустить/);
  const progress = await next(/^Рассылка № \d+/);
  const id = Number(/№ (\d+)/.exec(progress.text ?? "")?.[1]);

  // The progress message as organisers see it change (edited at most every few seconds).
  let lastShown = "";
  const show = (record: ChatRecord) => {
    if (record.message_id !== progress.message_id) return;
    const latest = record.edits.at(-1)?.text ?? record.text ?? "";
    const line = latest.split("\n").slice(1, 3).join(" · ");
    if (line !== lastShown) say(`  progress: ${line}`);
    lastShown = line;
  };
  show(progress);
  sandbox.events.on("edit", show);
  const report = await next(/^Отчёт: рассылка/);
  sandbox.events.off("edit", show);
  const csv = await sandbox.waitForBotMessage(organiserId, (m) => m.method === "sendDocument", {
    timeoutMs: 30_000,
  });
  const seconds = (Date.now() - started) / 1000;
  say(`  bot: ${report.text?.split("\n").filter(Boolean).slice(0, 4).join(" · ")}`);
  const fileId = (csv.document as { file_id?: string } | undefined)?.file_id ?? "";
  const csvRows = (sandbox.fileContent(fileId)?.toString("utf8").trim().split("\n") ?? []).slice(1);
  say(
    `  bot sends ${(csv.document as { file_name?: string } | undefined)?.file_name}: ${csvRows.length} rows`,
  );

  const row = database.sqlite.prepare("SELECT status, sent, total FROM broadcasts WHERE id = ?").get(id) as {
    status: string;
    sent: number;
    total: number;
  };
  const ticketOf = database.sqlite.prepare(
    "SELECT answer_id, ticket_url FROM registrations WHERE telegram_id = ? ORDER BY bound_at DESC LIMIT 1",
  );
  let once = 0;
  let twice = 0;
  let personal = 0;
  let exactTickets = 0;
  let ticketHolders = 0;
  for (const [chatId, count] of before) {
    const got = sandbox
      .botMessages(chatId)
      .slice(count)
      .filter((m) => m.text?.startsWith("🔴"));
    if (got.length === 1) once++;
    if (got.length > 1) twice++;
    const registration = ticketOf.get(chatId) as { answer_id: string; ticket_url: string | null } | undefined;
    if (got[0] && (registration === undefined || got[0].text?.includes(`№ ${registration.answer_id}`)))
      personal++;
    if (registration?.ticket_url) {
      ticketHolders++;
      if (got[0] && buttonUrls(got[0]).includes(registration.ticket_url)) exactTickets++;
    }
  }
  if (row.status !== "done") problems.push(`the broadcast is ${row.status}, not done`);
  if (once !== before.size)
    problems.push(`${before.size - once} active subscribers did not get the broadcast once`);
  if (personal !== once) problems.push(`${once - personal} broadcast messages were not personalised`);
  if (exactTickets !== ticketHolders)
    problems.push(`${ticketHolders - exactTickets} ticket holders did not get their exact ticket link`);
  if (csvRows.length !== row.total)
    problems.push(`the CSV has ${csvRows.length} rows for ${row.total} recipients`);
  say(
    `✓ ${row.sent} of ${row.total} sent in ${seconds.toFixed(1)} s (${(row.sent / seconds).toFixed(1)} msg/s, ` +
      `Telegram's limit 30/s); ${once} recipients got it once, ${twice} twice, ${personal} with their own answer ` +
      `number, ${exactTickets} of ${ticketHolders} ticket holders with their exact ticket link`,
  );

  sandbox.userSends(organiserId, "/stats", { chatId: groupId });
  const stats = await sandbox.waitForBotMessage(groupId, (m) => /^Подписчики/.test(m.text ?? ""), {
    timeoutMs: 30_000,
  });
  say(`  /stats in the organisers' group: ${stats.text?.split("\n").slice(0, 2).join(" · ")}`);
  return {
    ok: problems.length === 0,
    problems,
    summary: {
      total: row.total,
      sent: row.sent,
      receivedOnce: once,
      duplicates: twice,
      exactTicketLinks: exactTickets,
      progressEdits:
        sandbox.transcript(organiserId).find((m) => m.message_id === progress.message_id)?.edits.length ?? 0,
      csvRows: csvRows.length,
      seconds: Math.round(seconds * 10) / 10,
    },
  };
}

/**
 * The default reminder scenario on compressed time: a wave of attendees links their answers; the
 * scenario's own runDue is called at the moments the cron would reach hours and days later (the
 * demo's clock jumps; Herald's delivery engine sends every message for real through the sandbox).
 * Some attendees complete after the welcome, some after a reminder, some never; the funnel follows.
 */
async function playScenario(
  sandbox: Sandbox,
  organiser: WebhookClient,
  database: HeraldDatabase,
  logger: Logger,
  config: Config,
) {
  say("\n— The reminder scenario «finish your registration», on compressed time —");
  const problems: string[] = [];
  const size = 40;
  const cohort: Array<{ id: number; answerId: string }> = [];
  await inBatches(
    Array.from({ length: size }, (_, i) => i),
    10,
    async (i) => {
      const user = sandbox.createUser({ first_name: `Волна${i}`, language_code: i % 4 === 0 ? "en" : "ru" });
      const answerId = String(50_000 + i);
      const submitted = await organiser.submit(answerId);
      const payload = new URL(String(submitted.body.deep_link)).searchParams.get("start") ?? "";
      await exchange(sandbox, user.id, `/start ${payload}`);
      cohort.push({ id: user.id, answerId });
    },
  );
  let now = Date.now();
  const t0 = now;
  const runner = createScenarios({
    database,
    clock: { now: () => now },
    logger,
    // The compressed clock jumps over nights; quiet hours are shown in the tests, not here.
    quietHours: null,
    timezone: config.timezone,
    dailyCap: config.scenarioDailyCap,
    formUrl: config.formUrl,
    eventStartsAt: null,
    liveUrl: null,
    formLinkFor: () => null,
    broadcasts: createBroadcasts({ database, clock: { now: () => now } }),
  });
  const scenarioMessages = (userId: number) =>
    sandbox
      .botMessages(userId)
      .filter((m) =>
        /Добро пожаловать|Welcome!|апоминаем|апоминание|reminder|ещё ждёт|still waiting/.test(m.text ?? ""),
      );
  const plan: Array<{ label: string; at: number; completeAfter: number }> = [
    { label: "at once: the welcome", at: t0 + 1000, completeAfter: 8 },
    { label: "1 hour later: reminder 1", at: t0 + 60 * 60_000 + 1000, completeAfter: 12 },
    { label: "24 hours later: reminder 2", at: t0 + 24 * 60 * 60_000 + 1000, completeAfter: 8 },
    { label: "72 hours later: reminder 3", at: t0 + 72 * 60 * 60_000 + 1000, completeAfter: 0 },
  ];
  let completed = 0;
  let expectedMessages = 0;
  for (const [index, step] of plan.entries()) {
    now = step.at;
    const report = runner.runDue(now);
    const going = cohort.slice(completed);
    // The compressed clock runs ahead of the delivery engine's real one: what it queued is due now.
    database.sqlite
      .prepare("UPDATE deliveries SET not_before = ? WHERE status = 'pending' AND job_key LIKE 'scenario:%'")
      .run(Date.now());
    expectedMessages += going.length;
    // Herald's engine sends what the tick queued; every attendee still going gets exactly one more.
    await Promise.all(
      going.map((a) =>
        sandbox.waitForBotMessage(a.id, () => scenarioMessages(a.id).length >= index + 1, {
          timeoutMs: 60_000,
        }),
      ),
    );
    for (const a of cohort.slice(completed, completed + step.completeAfter))
      await organiser.complete(a.answerId);
    completed += step.completeAfter;
    say(
      `  ${step.label}: ${report.sent} sent, ${report.stopped} stopped (completed before it); ` +
        `then ${step.completeAfter} attendees complete their registration`,
    );
  }
  now = t0 + 10 * 24 * 60 * 60_000;
  runner.runDue(now);
  const funnel = runner.get("finish_registration").funnel;
  const received = cohort.reduce((sum, a) => sum + scenarioMessages(a.id).length, 0);
  say(
    `  funnel: entered ${funnel.enrolled}; completed after the welcome ${funnel.completedAfter[1] ?? 0}, ` +
      `after reminder 1 ${funnel.completedAfter[2] ?? 0}, after reminder 2 ${funnel.completedAfter[3] ?? 0}, ` +
      `after reminder 3 ${funnel.completedAfter[4] ?? 0}; never completed ${funnel.finished}`,
  );
  if (received !== expectedMessages)
    problems.push(`the scenario sent ${received} messages, expected ${expectedMessages}`);
  if (
    (funnel.completedAfter[1] ?? 0) !== 8 ||
    (funnel.completedAfter[2] ?? 0) !== 12 ||
    (funnel.completedAfter[3] ?? 0) !== 8
  ) {
    problems.push(`the scenario funnel is off: ${JSON.stringify(funnel.completedAfter)}`);
  }
  if (funnel.finished !== size - 28)
    problems.push(`${funnel.finished} finished without completing, expected ${size - 28}`);
  say(
    `✓ ${received} scenario messages, each attendee at most one per step; ${funnel.finished} never completed`,
  );
  return {
    ok: problems.length === 0,
    problems,
    summary: {
      attendees: size,
      messages: received,
      completedAfter: funnel.completedAfter,
      neverCompleted: funnel.finished,
    },
  };
}

/** A user sends something and waits for the bot's next answer (optionally the next one that matches). */
async function exchange(
  sandbox: Sandbox,
  userId: number,
  text: string,
  matches: (m: ChatRecord) => boolean = () => true,
): Promise<ChatRecord> {
  const lastSeen = sandbox.botMessages(userId).at(-1)?.message_id ?? 0;
  if (text.startsWith("/start")) sandbox.userStarts(userId, text.slice("/start".length).trim());
  else sandbox.userSends(userId, text);
  return sandbox.waitForBotMessage(userId, (m) => m.message_id > lastSeen && matches(m), {
    timeoutMs: 30_000,
  });
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  run: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

function buttonUrls(message: ChatRecord): string[] {
  const markup = message.reply_markup as { inline_keyboard?: Array<Array<{ url?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().flatMap((button) => (button.url ? [button.url] : []));
}

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0] ?? "";
}

demo().then(
  (summary) => {
    if (json) say(JSON.stringify(summary));
    process.exit(summary.ok ? 0 : 1);
  },
  (error: unknown) => {
    process.stderr.write(`The demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
