import type { HeraldDatabase } from "../../db/client.js";
import type { ChatRecord, Sandbox } from "../../sandbox/index.js";
import { buttonUrls, firstLine, say } from "./chat.js";

/** The organiser's side of the cockpit: waits for the bot's next message, presses buttons, writes. */
function createOrganiser(sandbox: Sandbox, organiserId: number) {
  let seen = sandbox.botMessages(organiserId).at(-1)?.message_id ?? 0;
  return {
    next: async (pattern: RegExp) => {
      const found = await sandbox.waitForBotMessage(
        organiserId,
        (m) => m.message_id > seen && pattern.test(m.text ?? m.caption ?? ""),
        { timeoutMs: 30_000 },
      );
      seen = found.message_id;
      return found;
    },
    press: (message: ChatRecord, label: RegExp) => {
      const rows = (
        message.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> }
      )?.inline_keyboard;
      const button = rows?.flat().find((b) => label.test(b.text));
      if (!button?.callback_data) throw new Error(`no button ${label} under "${firstLine(message.text)}"`);
      say(`  organiser presses [${button.text}]`);
      sandbox.userPresses(organiserId, { messageId: message.message_id, data: button.callback_data });
    },
    says: (text: string, entities?: Parameters<Sandbox["userSends"]>[2]) => {
      say(`  organiser: ${text.replaceAll("\n", " ⏎ ")}`);
      sandbox.userSends(organiserId, text, entities);
    },
  };
}

/** Compose, preview, test and launch in the cockpit; then watch the progress until the report and CSV. */
async function composeAndLaunch(sandbox: Sandbox, organiserId: number) {
  const organiser = createOrganiser(sandbox, organiserId);
  const { next, press } = organiser;
  organiser.says("/new");
  say(`  bot: ${firstLine((await next(/^Новая рассылка/)).text)}`);
  const text = "🔴 Трансляция начинается!\nЗаявка № {answer_id}: ваш зал — {track}.";
  organiser.says(text, { entities: [{ type: "bold", offset: 3, length: 22 }] });
  await next(/^Добавьте кнопки/);
  organiser.says("Смотреть - https://live.example.org/?a={answer_id}\nВаш билет - {ticket_url}");
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
  return { id, progress, seconds, csvRows };
}

/** What each subscriber active before the launch got: once, twice, personalised, with their own ticket. */
function countRecipients(sandbox: Sandbox, database: HeraldDatabase, before: Map<number, number>) {
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
  return { once, twice, personal, exactTickets, ticketHolders };
}

/**
 * The organisers call everyone to the live stream from Telegram itself: an organiser composes the
 * broadcast in the bot's cockpit (a formatted text with each attendee's answer number and a button
 * with their own ticket link), checks the preview and a test send, launches it, and watches the
 * progress message until the report and its CSV arrive. Every active subscriber must get it once.
 */
export async function playBroadcast(
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
  const { id, progress, seconds, csvRows } = await composeAndLaunch(sandbox, organiserId);

  const row = database.sqlite.prepare("SELECT status, sent, total FROM broadcasts WHERE id = ?").get(id) as {
    status: string;
    sent: number;
    total: number;
  };
  const { once, twice, personal, exactTickets, ticketHolders } = countRecipients(sandbox, database, before);
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
