import type { Language } from "./language.js";

/*
 * What Herald sends, before it is rendered for one recipient: broadcasts, saved templates, event
 * reminders, scenario steps, tickets and decisions all say it this way, and `render` (render.ts) turns
 * it into what goes out. It lives in messages/ so templates and button parsing need nothing from delivery/.
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

/** What a message says: a template (text or photo), or an organiser's own message copied as it is. */
export type Content =
  | {
      kind: "text";
      html: string;
      buttons?: ButtonTemplate[][];
      disablePreview?: boolean;
      localized?: Partial<Record<Language, LocalizedContent>>;
    }
  | { kind: "photo"; photo: string; captionHtml?: string; buttons?: ButtonTemplate[][] }
  | { kind: "copy"; fromChatId: number; messageId: number; buttons?: ButtonTemplate[][] };

export type TextContent = Extract<Content, { kind: "text" }>;

/** The name delivery and the cockpit have used all along. */
export type BroadcastContent = Content;
