import type { Language } from "../../messages/language.js";
import { en } from "./en.js";
import { type Messages, ru } from "./ru.js";

export type { Messages };
export type MessageKey = keyof Messages;

const catalogues: Record<Language, Messages> = { ru, en };

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
