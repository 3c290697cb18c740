import { randomBytes } from "node:crypto";
import type { WebhookClient } from "../../http/client.js";
import type { Sandbox } from "../../sandbox/index.js";
import { buttonUrls, exchange, firstLine, inBatches, REJECTION_TEXT, say, TICKET_TEXT } from "./chat.js";

interface Attendee {
  answerId: string;
  user: ReturnType<Sandbox["createUser"]>;
  botFirst: boolean;
  approveEarly: boolean;
  rejected: boolean;
  ticketUrl: string;
  bound: boolean;
}

/**
 * Form first: the form site posts the submission and shows the deep link; the attendee opens it.
 * Bot first: the attendee starts the bot, follows its form link, and the submission carries the ref.
 * Some approvals arrive before the attendee ever opens the bot.
 */
async function register(sandbox: Sandbox, organiser: WebhookClient, a: Attendee, problems: string[]) {
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
    if (submitted.body.binding !== "bound") problems.push(`${a.answerId}: bot-first submission did not bind`);
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
}

/** Impostors: two forged links and one attendee opening someone else's link. */
async function playImpostors(
  sandbox: Sandbox,
  organiser: WebhookClient,
  attendees: Attendee[],
  problems: string[],
): Promise<{ forgedRefused: number; conflicts: number }> {
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
  return { forgedRefused, conflicts };
}

/** Every decision reaches its attendee through the outbox, at Telegram's pace: waits, then counts. */
async function countDecisions(
  sandbox: Sandbox,
  attendees: Attendee[],
  approved: Attendee[],
  problems: string[],
) {
  const count = attendees.length;
  const deadline = Date.now() + 120_000;
  const received = (a: Attendee, pattern: RegExp) =>
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
  return { tickets, exact, notices };
}

/** The reference flow: a crowd registers, binds in both orders, is moderated, and gets tickets. */
export async function playForum(sandbox: Sandbox, organiser: WebhookClient, count: number) {
  say(`\n— The forum: ${count} attendees register —`);
  const problems: string[] = [];
  const attendees: Attendee[] = Array.from({ length: count }, (_, i) => ({
    answerId: String(100_000 + i),
    user: sandbox.createUser({ first_name: `Гость ${i}`, language_code: i % 5 === 0 ? "en" : "ru" }),
    botFirst: i % 7 === 3,
    approveEarly: i % 10 === 1,
    rejected: i % 6 === 5,
    ticketUrl: `https://tickets.example.org/t/${100_000 + i}?sig=${randomBytes(6).toString("hex")}&lang=ru`,
    bound: false,
  }));

  await inBatches(attendees, 25, (a) => register(sandbox, organiser, a, problems));
  const bound = attendees.filter((a) => a.bound).length;
  say(`✓ ${count} form submissions signed and accepted; ${bound} answers bound to Telegram IDs`);
  say(
    `  (${attendees.filter((a) => a.botFirst).length} bot first via the form's ref, the rest through deep links)`,
  );

  const { forgedRefused, conflicts } = await playImpostors(sandbox, organiser, attendees, problems);

  // Moderation decides the rest; the registration landing page reports completions.
  await inBatches(attendees, 25, async (a) => {
    if (a.rejected) await organiser.reject(a.answerId, "Офлайн-зал заполнен, ждём вас онлайн.");
    else if (!a.approveEarly) await organiser.approve(a.answerId, a.ticketUrl);
  });
  const approved = attendees.filter((a) => !a.rejected);
  say(`✓ moderation: ${approved.length} approved, ${count - approved.length} rejected`);

  const { tickets, exact, notices } = await countDecisions(sandbox, attendees, approved, problems);

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
