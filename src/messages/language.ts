import { LANGUAGES, type Language } from "../db/schema.js";

export type { Language };
export const DEFAULT_LANGUAGE: Language = "ru";

/** Telegram's `language_code` is an IETF tag such as "en" or "en-GB"; Herald speaks Russian unless asked otherwise. */
export function pickLanguage(languageCode: string | undefined): Language {
  const primary = languageCode?.toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((language) => language === primary) ?? DEFAULT_LANGUAGE;
}
