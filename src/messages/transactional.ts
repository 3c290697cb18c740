import type { Language } from "./language.js";
import type { OutgoingMessage } from "./outgoing.js";
import { render } from "./render.js";

/**
 * Messages Herald sends on its own initiative about one registration. They go through the outbox,
 * outside any update, so they live here rather than in the bot's locales.
 */
const texts = {
  ru: {
    ticketTitle: "🎫 <b>Ваш билет на мероприятие</b>",
    ticketBody: "Заявка № {answer} одобрена. Билет — по ссылке (та же ссылка пришла вам на почту):",
    ticketReplaced: "Организаторы обновили ваш билет. Прежняя ссылка больше не действует — используйте эту:",
    ticketButton: "Открыть билет",
    rejected: "К сожалению, заявка № {answer} не прошла модерацию.",
    rejectedNote: "Комментарий организаторов:",
    linked: "Заявка № {answer} получена и связана с этим чатом. Когда её одобрят, билет придёт сюда.",
  },
  en: {
    ticketTitle: "🎫 <b>Your event ticket</b>",
    ticketBody:
      "Application no. {answer} is approved. Here is your ticket (the same link was e-mailed to you):",
    ticketReplaced: "The organisers have updated your ticket. The old link no longer works — use this one:",
    ticketButton: "Open ticket",
    rejected: "Unfortunately, application no. {answer} did not pass moderation.",
    rejectedNote: "The organisers' note:",
    linked:
      "Application no. {answer} has arrived and is linked to this chat. Once it is approved, your ticket will arrive here.",
  },
} satisfies Record<Language, Record<string, string>>;

export function ticketMessage(
  language: Language,
  input: { answerId: string; ticketUrl: string; replaced: boolean },
): OutgoingMessage {
  const t = texts[language];
  // The link goes as it is on the button (it must be the one they were e-mailed) and as text below.
  const content = {
    kind: "text" as const,
    html: `${t.ticketTitle}\n\n${input.replaced ? t.ticketReplaced : t.ticketBody}\n{ticket_url}`,
    buttons: [[{ text: t.ticketButton, url: "{ticket_url}" }]],
  };
  return render(content, { answer: input.answerId, ticket_url: input.ticketUrl }, language);
}

export function rejectionMessage(
  language: Language,
  input: { answerId: string; note: string | null },
): OutgoingMessage {
  const t = texts[language];
  const html = input.note ? `${t.rejected}\n\n${t.rejectedNote}\n{note}` : t.rejected;
  return render({ kind: "text", html }, { answer: input.answerId, note: input.note ?? "" }, language);
}

/** Bot-first registration: the form's submission carried the attendee's reference and was bound. */
export function linkedMessage(language: Language, input: { answerId: string }): OutgoingMessage {
  return render({ kind: "text", html: texts[language].linked }, { answer: input.answerId }, language);
}

/** For the organisers' chat: someone tried to take an answer that is bound to another Telegram ID. */
export function bindConflictAlert(input: {
  answerId: string;
  telegramId: number;
  ownerId: number;
}): OutgoingMessage {
  const html =
    "⚠️ <b>Конфликт привязки</b>\nЗаявка № {answer} уже связана с Telegram ID <code>{owner}</code>; " +
    "её пытался открыть Telegram ID <code>{taker}</code>. Проверьте, не переслал ли участник свою ссылку.";
  const params = { answer: input.answerId, owner: String(input.ownerId), taker: String(input.telegramId) };
  return render({ kind: "text", html }, params);
}

const failedTexts = {
  ru: {
    ticket:
      "⚠️ <b>Билет не доставлен</b>\nЗаявка № {answer}: Telegram не принял сообщение с билетом — {reason}\n",
    rejection:
      "⚠️ <b>Решение не доставлено</b>\nЗаявка № {answer}: Telegram не принял сообщение об отказе — {reason}\n",
    ticketAdvice:
      'Участник билет не получил. Если дело в ссылке, пришлите решение с новой ссылкой и "replace": true; ' +
      "иначе свяжитесь с участником другим способом.",
    rejectionAdvice: "Участник его не получил: свяжитесь с ним другим способом.",
    ticketBlockedAdvice:
      "В Telegram участник его не получит. Ссылка на билет есть в вашем письме; если нужно, свяжитесь с ним другим способом.",
    rejectionBlockedAdvice:
      "В Telegram участник его не получит: если нужно, свяжитесь с ним другим способом.",
    blocked: "участник заблокировал бота",
  },
  en: {
    ticket:
      "⚠️ <b>Ticket not delivered</b>\nApplication no. {answer}: Telegram refused the message with the ticket — {reason}\n",
    rejection:
      "⚠️ <b>Decision not delivered</b>\nApplication no. {answer}: Telegram refused the rejection message — {reason}\n",
    ticketAdvice:
      'The attendee did not get it. If the link is the cause, send the decision again with a new link and "replace": true; ' +
      "otherwise reach the attendee another way.",
    rejectionAdvice: "The attendee did not get it: reach them another way.",
    ticketBlockedAdvice:
      "The attendee will not get it in Telegram. Your e-mail carries the ticket's link; if need be, reach them another way.",
    rejectionBlockedAdvice: "The attendee will not get it in Telegram: if need be, reach them another way.",
    blocked: "the attendee blocked the bot",
  },
} satisfies Record<Language, Record<string, string>>;

const MAX_REASON_LENGTH = 300;
const QUOTED_LINK = /\b(?:https?|tg):\/\/[^\s'"]*/gi;

/**
 * Telegram's reason as organisers are shown it: a link it quotes ("button URL 'https://…' is
 * invalid") is left out, since a ticket link may carry whatever the organisers' system put in it, and
 * the answer number already says which one; the rest is cut to a readable length.
 */
export function reasonForOrganisers(reason: string): string {
  const plain = reason.replace(QUOTED_LINK, "…");
  return plain.length > MAX_REASON_LENGTH ? `${plain.slice(0, MAX_REASON_LENGTH)}…` : plain;
}

/**
 * For the organisers' chat: a ticket or a rejection failed for good, or the attendee blocked the bot
 * (`blocked`: Telegram's 403). Only the answer number and the reason, which names no one; the
 * organisers look the answer up in their own system.
 */
export function decisionFailedAlert(
  language: Language,
  input: { answerId: string; kind: "ticket" | "rejection"; reason: string; blocked?: boolean },
): OutgoingMessage {
  const texts = failedTexts[language];
  const reason = input.blocked ? blockedReason(language, input.reason) : reasonForOrganisers(input.reason);
  const advice =
    texts[input.blocked ? (`${input.kind}BlockedAdvice` as const) : (`${input.kind}Advice` as const)];
  return render({ kind: "text", html: texts[input.kind] + advice }, { answer: input.answerId, reason });
}

/** A 403's reason in the organisers' words: "bot was blocked by the user" is the usual one; another (a deleted account) is Telegram's own. */
export function blockedReason(language: Language, reason: string): string {
  return /blocked/i.test(reason) || reason === ""
    ? failedTexts[language].blocked
    : reasonForOrganisers(reason);
}
