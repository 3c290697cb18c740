import type { Messages } from "./ru.js";

export const en: Messages = {
  startWelcome:
    "Hello! I'm Herald, the event's bot.\n\n" +
    "Your ticket, reminders and news will arrive here. " +
    "To link this bot with your registration, open the link from the registration page.",
  startWelcomeBack: "Welcome back! Your ticket, reminders and the event's news will arrive here.",
  help: "I send your ticket, reminders and the event's news.\n\n/start — begin\n/help — what I can do",
  unknownCommand: "I don't know that command. Here is what I can do: /help",
  unknownMessage: "I don't answer messages yet. If you need help, write to the organisers. Commands: /help",
  somethingWentWrong: "Something went wrong. Please try again a little later.",
  commandStart: "Start",
  commandHelp: "What this bot can do",
};
