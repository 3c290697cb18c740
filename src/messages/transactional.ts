import { escapeHtml } from "./html.js";
import type { Language } from "./language.js";
import type { OutgoingMessage } from "./outgoing.js";

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
  const body = input.replaced
    ? t.ticketReplaced
    : t.ticketBody.replace("{answer}", escapeHtml(input.answerId));
  return {
    html: `${t.ticketTitle}\n\n${body}\n${escapeHtml(input.ticketUrl)}`,
    buttons: [[{ text: t.ticketButton, url: input.ticketUrl }]],
  };
}

export function rejectionMessage(
  language: Language,
  input: { answerId: string; note: string | null },
): OutgoingMessage {
  const t = texts[language];
  const lines = [t.rejected.replace("{answer}", escapeHtml(input.answerId))];
  if (input.note) lines.push("", t.rejectedNote, escapeHtml(input.note));
  return { html: lines.join("\n") };
}

/** Bot-first registration: the form's submission carried the attendee's reference and was bound. */
export function linkedMessage(language: Language, input: { answerId: string }): OutgoingMessage {
  return { html: texts[language].linked.replace("{answer}", escapeHtml(input.answerId)) };
}

/** For the organisers' chat: someone tried to take an answer that is bound to another Telegram ID. */
export function bindConflictAlert(input: {
  answerId: string;
  telegramId: number;
  ownerId: number;
}): OutgoingMessage {
  return {
    html:
      `⚠️ <b>Конфликт привязки</b>\nЗаявка № ${escapeHtml(input.answerId)} уже связана с Telegram ID ` +
      `<code>${input.ownerId}</code>; её пытался открыть Telegram ID <code>${input.telegramId}</code>. ` +
      "Проверьте, не переслал ли участник свою ссылку.",
  };
}
