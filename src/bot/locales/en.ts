import type { Messages } from "./ru.js";

export const en: Messages = {
  startWelcome:
    "Hello! I'm Herald, the event's bot.\n\n" +
    "Your ticket, reminders and news will arrive here. " +
    "To link this bot with your registration, open the link from the registration page.",
  startWelcomeWithForm:
    "Hello! I'm Herald, the event's bot.\n\n" +
    "To get a ticket, register: fill in the form with the button below. " +
    "As soon as your application arrives, I'll link it to this chat.",
  formButton: "Fill in the form",
  startWelcomeBack: "Welcome back! Your ticket, reminders and the event's news will arrive here.",
  bound:
    "Done! Application no. {answer} is linked to this chat. Once it is approved, your ticket will arrive here.",
  boundDecided:
    "Done! Application no. {answer} is linked to this chat. It has already been decided — sending it now.",
  alreadyBound: "Application no. {answer} is already linked to this chat.",
  statusPending: "The application is being moderated: your ticket will arrive here once it is approved.",
  statusApproved: "The application is approved and the ticket was sent to this chat.",
  statusRejected: "The application did not pass moderation.",
  bindConflict:
    "Application no. {answer} is already linked to another Telegram account. " +
    "If it is yours, please write to the organisers — they will sort it out.",
  invalidLink:
    "This link did not work: perhaps it was not copied in full. " +
    "Open the link from the registration page again, or write to the organisers.",
  stopConfirm:
    "Unsubscribe from the bot's messages? Reminders and news will stop. " +
    "Your ticket and the decision on your application will still be sent.",
  stopYes: "Yes, unsubscribe",
  stopNo: "No, stay",
  stopped: "You have unsubscribed. To come back, send /start.",
  stayed: "Good, we stay in touch.",
  alreadyStopped: "You are already unsubscribed. To come back, send /start.",
  help: "I send your ticket, reminders and the event's news.\n\n/start — begin\n/stop — unsubscribe\n/help — what I can do",
  unknownCommand: "I don't know that command. Here is what I can do: /help",
  unknownMessage: "I don't answer messages yet. If you need help, write to the organisers. Commands: /help",
  somethingWentWrong: "Something went wrong. Please try again a little later.",
  commandStart: "Start",
  commandStop: "Unsubscribe from messages",
  commandHelp: "What this bot can do",
};
