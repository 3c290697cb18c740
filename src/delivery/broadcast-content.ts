import type { AudienceRule } from "../audience/segments.js";
import type { Language } from "../db/schema.js";

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

export interface NewBroadcast {
  title: string;
  content: BroadcastContent;
  audience?: AudienceRule;
  paid?: boolean;
  urgent?: boolean;
  silent?: boolean;
  /** Unix ms; launch waits for it. */
  scheduledAt?: number;
  /** Unix ms; whatever is not delivered by then expires. */
  deadline?: number;
  /** The organiser who made it. */
  createdBy?: number;
  /**
   * The chat that watches it (progress message and report) and its organiser's language. A draft
   * composed in a dialog carries its dialog's chat from the start: with `createdBy` it names the
   * dialog, so leaving the dialog can discard it.
   */
  watch?: Watch;
}

export interface Watch {
  chatId: number;
  language: Language;
}
