import type { ConversationFlavor } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { Logger } from "../logger.js";
import type { Language } from "../messages/language.js";
import type { Messages } from "./locales/index.js";

/** What every handler gets besides grammY's own context: a per-update logger and the user's language. */
export interface HeraldFlavor {
  logger: Logger;
  language: Language;
  messages: Messages;
  /**
   * Whether the update comes from an organiser and may be for the cockpit; set once per update by
   * recogniseOrganisers (the lookups), read by the isOrganiser filter (no lookups). Not set in dialogs.
   */
  organiser?: boolean;
}

/** The context inside a dialog (a conversation): the same flavour, without conversation controls. */
export type DialogContext = Context & HeraldFlavor;

export type HeraldContext = ConversationFlavor<DialogContext>;
