import type { Language } from "../../messages/language.js";
import { adminEn } from "./admin-en.js";
import { type AdminMessages, adminRu } from "./admin-ru.js";
import { en } from "./en.js";
import { type Messages as AttendeeMessages, ru } from "./ru.js";

/** Attendees' texts and the organisers' cockpit texts, in one typed dictionary per language. */
export type Messages = AttendeeMessages & AdminMessages;
export type MessageKey = keyof Messages;

const catalogues: Record<Language, Messages> = { ru: { ...ru, ...adminRu }, en: { ...en, ...adminEn } };

/** Typed dictionaries rather than Fluent files: a missing or misspelt key is a compile error. */
export function messagesFor(language: Language): Messages {
  return catalogues[language];
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}
