import type { Conversation } from "@grammyjs/conversations";
import type { createRecipientParams } from "../../audience/recipient-params.js";
import type { AudienceRule } from "../../audience/segments.js";
import type { DialogContext, HeraldContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import type { Messages } from "../locales/index.js";
import type { DialogIO } from "./dialog-io.js";

export type ComposeDeps = Pick<BotDeps, "config" | "db" | "clock" | "logger" | "cockpit">;

/** What every step of the compose dialog works with. */
export interface ComposeSession {
  deps: ComposeDeps;
  conversation: Conversation<HeraldContext, DialogContext>;
  /** The update that started the dialog: its language, messages and logger. */
  ctx: DialogContext;
  m: Messages;
  io: DialogIO;
  chatId: number;
  organiserId: number;
  /** The organiser's next update that `accept` takes; /new and /admin are answered "you are in a dialog". */
  input(accept: (c: DialogContext) => boolean, hint: string): Promise<DialogContext>;
  paramsOf: ReturnType<typeof createRecipientParams>;
}

export interface Plan {
  urgent: boolean;
  silent: boolean;
  paid: boolean;
  scheduledAt: number | null;
  deadline: number | null;
}

export interface Audience {
  rule: AudienceRule;
  label: string;
  count: number;
}
