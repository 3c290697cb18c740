import type { AudienceRule } from "../audience/segments.js";
import type { Language } from "../db/schema.js";
import type { BroadcastContent } from "../messages/content.js";

// What a message says lives in messages/ (below delivery); delivery names it for its callers.
export type { BroadcastContent, ButtonTemplate, LocalizedContent } from "../messages/content.js";

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
