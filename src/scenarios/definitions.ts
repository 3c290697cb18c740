import type { Language, ScenarioTrigger, StepAnchor } from "../db/schema.js";
import type { ButtonTemplate } from "../messages/content.js";

export interface StepDefinition {
  delayMinutes: number;
  anchor: StepAnchor;
  text: Record<Language, string>;
  buttons?: Partial<Record<Language, ButtonTemplate[][]>>;
}

export interface ScenarioDefinition {
  id: ScenarioId;
  trigger: ScenarioTrigger;
  /** Whether it starts enabled: some need a setting (the form's URL, the event's start). */
  enabledByDefault(settings: { formUrl: string | null; eventStartsAt: number | null }): boolean;
  steps: StepDefinition[];
}

export const SCENARIO_IDS = ["finish_registration", "invited", "event"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

const HOUR = 60;
const DAY = 24 * HOUR;

/**
 * The built-in scenarios, written to the database once (organisers edit them there afterwards).
 * Texts are Telegram HTML with per-recipient parameters, like broadcasts.
 */
export const DEFAULT_SCENARIOS: readonly ScenarioDefinition[] = [
  {
    // Welcome, then reminders until the registration is completed (the form site's webhook), the
    // ticket is sent, or the attendee unsubscribes or blocks the bot.
    id: "finish_registration",
    trigger: "bound",
    enabledByDefault: () => true,
    steps: [
      {
        delayMinutes: 0,
        anchor: "trigger",
        text: {
          ru:
            "<b>Добро пожаловать!</b> Анкета № {answer_id} связана с этим чатом.\n\n" +
            "Осталось завершить регистрацию: откройте страницу участника и подтвердите участие. " +
            "Как только регистрация будет завершена, напоминания прекратятся.",
          en:
            "<b>Welcome!</b> Application no. {answer_id} is linked to this chat.\n\n" +
            "One step is left: open the participant page and confirm you are coming. " +
            "Once your registration is complete, the reminders stop.",
        },
      },
      {
        delayMinutes: HOUR,
        anchor: "trigger",
        text: {
          ru: "Напоминаем: регистрация по анкете № {answer_id} ещё не завершена. Это займёт пару минут.",
          en: "A reminder: the registration for application no. {answer_id} is not complete yet. It takes a couple of minutes.",
        },
      },
      {
        delayMinutes: DAY,
        anchor: "trigger",
        text: {
          ru: "Регистрация по анкете № {answer_id} всё ещё ждёт завершения. Без неё мы не сможем выдать билет.",
          en: "The registration for application no. {answer_id} is still waiting. Without it we cannot issue your ticket.",
        },
      },
      {
        delayMinutes: 3 * DAY,
        anchor: "trigger",
        text: {
          ru: "Последнее напоминание: завершите регистрацию по анкете № {answer_id}, чтобы получить билет.",
          en: "A last reminder: complete the registration for application no. {answer_id} to get your ticket.",
        },
      },
    ],
  },
  {
    // Opened the bot from an invitation but never sent the form: the form link, with their reference.
    id: "invited",
    trigger: "subscribed",
    enabledByDefault: (settings) => settings.formUrl !== null,
    steps: [
      {
        delayMinutes: HOUR,
        anchor: "trigger",
        text: {
          ru: "Вы открыли бота, но ещё не заполнили форму регистрации. Это займёт пару минут.",
          en: "You opened the bot but have not filled in the registration form yet. It takes a couple of minutes.",
        },
        buttons: {
          ru: [[{ text: "Заполнить форму", url: "{form_url}" }]],
          en: [[{ text: "Fill in the form", url: "{form_url}" }]],
        },
      },
      {
        delayMinutes: DAY,
        anchor: "trigger",
        text: {
          ru: "Напоминаем о регистрации: без формы мы не сможем прислать вам билет.",
          en: "A reminder about registration: without the form we cannot send you a ticket.",
        },
        buttons: {
          ru: [[{ text: "Заполнить форму", url: "{form_url}" }]],
          en: [[{ text: "Fill in the form", url: "{form_url}" }]],
        },
      },
    ],
  },
  {
    // At absolute times around the event's start, to every active subscriber (as broadcasts).
    id: "event",
    trigger: "event",
    enabledByDefault: (settings) => settings.eventStartsAt !== null,
    steps: [
      {
        delayMinutes: -DAY,
        anchor: "event",
        text: {
          ru: "Завтра начинаем! Проверьте билет и расписание — до встречи.",
          en: "We start tomorrow! Check your ticket and the schedule — see you there.",
        },
      },
      {
        delayMinutes: -HOUR,
        anchor: "event",
        text: {
          ru: "Через час начинаем. Трансляция откроется здесь же.",
          en: "We start in an hour. The live stream link will arrive here.",
        },
      },
      {
        delayMinutes: 0,
        anchor: "event",
        text: { ru: "🔴 <b>Мы в эфире!</b>", en: "🔴 <b>We are live!</b>" },
        buttons: {
          ru: [[{ text: "Смотреть", url: "{live_url}" }]],
          en: [[{ text: "Watch", url: "{live_url}" }]],
        },
      },
    ],
  },
];
