import type { Language } from "./language.js";

/*
 * What a broadcast (or a saved template, or an event reminder) says, before it is rendered for one
 * recipient. It lives in messages/ so templates and button parsing need nothing from delivery/.
 */

export interface ButtonTemplate {
  text: string;
  /** May hold `{param}` placeholders. */
  url: string;
}

/** Another language's text and buttons, for recipients who speak it (Herald's own texts, e.g. reminders). */
export interface LocalizedContent {
  html?: string;
  buttons?: ButtonTemplate[][];
}

/** What a broadcast says: a template, or an organiser's own message copied as it is. */
export type BroadcastContent =
  | {
      kind: "text";
      html: string;
      buttons?: ButtonTemplate[][];
      disablePreview?: boolean;
      localized?: Partial<Record<Language, LocalizedContent>>;
    }
  | { kind: "photo"; photo: string; captionHtml?: string; buttons?: ButtonTemplate[][] }
  | { kind: "copy"; fromChatId: number; messageId: number; buttons?: ButtonTemplate[][] };
