import type { BotError } from "grammy";
import { DomainError, type DomainErrorCode } from "../../../errors.js";
import { broadcastButton } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { statusOf } from "./broadcasts.js";
import { listName } from "./upload.js";

/** What the organiser is told: on the pressed button itself (a toast, or an alert), or as a reply. */
interface Refusal {
  text: string;
  onButton?: { alert: boolean };
  /** After the answer. */
  afterwards?: () => void;
}

/** Undefined: not the organiser's doing, so not theirs to read; it goes on as a failure. */
type Wording = (ctx: HeraldContext) => Refusal | undefined;

/**
 * The cockpit's one error boundary: a domain refusal (a broadcast that moved on, a list name in
 * use, something deleted meanwhile) is answered in the organiser's language; any other error goes
 * on to the bot's boundary ("something went wrong", and the log). Dialogs answer their own refusals
 * inside `conversation.external`, as the replay rule wants.
 */
export function answerRefusals(deps: Pick<BotDeps, "config" | "cockpit">) {
  const wording = wordingOf(deps);
  return async (error: BotError<HeraldContext>): Promise<void> => {
    const { ctx } = error;
    const refusal = error.error instanceof DomainError ? wording[error.error.code](ctx) : undefined;
    if (!refusal) throw error.error;
    if (refusal.onButton && ctx.callbackQuery) {
      await ctx.answerCallbackQuery({
        text: refusal.text,
        ...(refusal.onButton.alert ? { show_alert: true } : {}),
      });
    } else await ctx.reply(refusal.text);
    refusal.afterwards?.();
  };
}

/** Each code's words; typed by the union of codes, so a new code does not compile until it has its own. */
function wordingOf(deps: Pick<BotDeps, "config" | "cockpit">): Record<DomainErrorCode, Wording> {
  const notFound: Wording = (ctx) => ({ text: ctx.messages.notFound });
  const notOurs: Wording = () => undefined;
  return {
    // Broadcast controls answer on the button: the progress message shows the state they met.
    broadcast_state: (ctx) => {
      const id = broadcastButton.decode(ctx.callbackQuery?.data)?.id;
      if (id === undefined) return undefined;
      const status = statusOf(deps, ctx, deps.cockpit.broadcasts.get(id));
      return {
        text: fill(ctx.messages.actionRefused, { status }),
        onButton: { alert: true },
        afterwards: () => deps.cockpit.progress.refresh(id),
      };
    },
    broadcast_not_found: (ctx) => ({ text: ctx.messages.notFound, onButton: { alert: false } }),
    template_not_found: notFound,
    segment_not_found: notFound,
    segment_in_use: (ctx) => ({ text: ctx.messages.segmentInUse }),
    segment_name_taken: (ctx) =>
      ctx.message?.document
        ? { text: fill(ctx.messages.uploadNameTaken, { name: listName(ctx.message, false) ?? "" }) }
        : notFound(ctx),
    // The upload checks what it sends; a list the domain still finds invalid is a failure.
    segment_invalid: notOurs,
    // The scenario or step is gone (a button from before a change of the scenarios).
    scenario_not_found: notFound,
    step_not_found: notFound,
    step_invalid: notFound,
    step_out_of_order: notFound,
    ticket_conflict: notOurs,
    ticket_url_required: notOurs,
    ticket_url_invalid: notOurs,
    invalid_answer_id: notOurs,
    invalid_ref: notOurs,
    // Uploads check their columns and values before the domain does.
    personal_data: notOurs,
  };
}
