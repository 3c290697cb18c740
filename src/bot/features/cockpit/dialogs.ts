import { conversations, createConversation } from "@grammyjs/conversations";
import { Composer, type MiddlewareFn } from "grammy";
import { pickLanguage } from "../../../messages/language.js";
import { isDialogButton } from "../../callback-data.js";
import type { DialogContext, HeraldContext } from "../../context.js";
import { COMPOSE, composeConversation } from "../../conversations/compose.js";
import { launchedAnswer } from "../../conversations/compose-confirm.js";
import { EDIT_STEP, editStepConversation } from "../../conversations/edit-step.js";
import type { BotDeps } from "../../deps.js";
import { describeError } from "../../describe-error.js";
import { dialogKey, dialogStorage, endDialog, isReplayMismatch } from "../../dialog-storage.js";
import { messagesFor } from "../../locales/index.js";

/**
 * Bumped whenever a dialog's sequence of steps changes (a `wait` or an `external` added, removed or
 * moved; test/bot/dialog-replay.test.ts pins the compose dialog's): stored dialogs of the old shape
 * are dropped rather than replayed into code that did not record them.
 * 2: the draft is created before the last step, whose buttons carry its id.
 * 3: the plan step reads the gate's pace (one `external` more, added without a bump at first).
 */
export const DIALOG_VERSION = 3;

/**
 * The organisers' dialogs (composing a broadcast, editing a scenario step), stored in SQLite, and
 * /cancel, which always leaves them. Every later cockpit feature sees `ctx.conversation`.
 */
export function dialogsFeature(deps: BotDeps): Composer<HeraldContext> {
  const { db, clock, cockpit } = deps;
  const composer = new Composer<HeraldContext>();

  composer.use(
    conversations<HeraldContext, DialogContext>({
      storage: {
        type: "key",
        version: DIALOG_VERSION,
        getStorageKey: dialogKey,
        adapter: dialogStorage(db, clock, () => deps.stopping?.() ?? false),
      },
    }),
  );

  // /cancel is handled before the dialog sees it: it always leaves. A draft made in the dialog goes
  // in one transaction with the dialog's stored state, so it can never be launched afterwards.
  composer.command("cancel", async (ctx) => {
    const active = Object.keys(await ctx.conversation.active()).length > 0;
    const key = dialogKey(ctx) as string;
    cockpit.broadcasts.discardDrafts({ createdBy: ctx.from?.id as number, chatId: ctx.chat.id }, () =>
      endDialog(db, key),
    );
    await ctx.conversation.exitAll();
    await ctx.reply(active ? ctx.messages.cancelled : ctx.messages.nothingToCancel);
  });

  composer.use(
    droppingUnreplayable(
      createConversation(composeConversation(deps), { id: COMPOSE, plugins: [decorateDialog(deps)] }),
    ),
  );
  composer.use(
    droppingUnreplayable(
      createConversation(editStepConversation(deps), { id: EDIT_STEP, plugins: [decorateDialog(deps)] }),
    ),
  );

  // A dialog button whose dialog is over (ended, cancelled, or lost in an incompatible upgrade). An
  // old Launch (a double tap, a restart) says which broadcast it launched; it never sends again.
  composer.on("callback_query:data", (ctx, next) => {
    if (!isDialogButton(ctx.callbackQuery.data)) return next();
    return ctx.answerCallbackQuery({
      text:
        launchedAnswer(cockpit.broadcasts, ctx.callbackQuery.data, ctx.messages) ?? ctx.messages.staleButton,
      show_alert: true,
    });
  });

  return composer;
}

/** Starts the compose dialog (from a template, if given), unless another dialog is open. */
export async function startCompose(ctx: HeraldContext, templateId?: number): Promise<void> {
  if (await inDialog(ctx)) return;
  await (templateId === undefined
    ? ctx.conversation.enter(COMPOSE)
    : ctx.conversation.enter(COMPOSE, templateId));
}

/** Starts editing one step of a scenario, unless another dialog is open. */
export async function startStepEdit(ctx: HeraldContext, scenarioId: string, position: number): Promise<void> {
  if (await inDialog(ctx)) return;
  await ctx.conversation.enter(EDIT_STEP, scenarioId, position);
}

async function inDialog(ctx: HeraldContext): Promise<boolean> {
  if (Object.keys(await ctx.conversation.active()).length === 0) return false;
  await ctx.reply(ctx.messages.composeCommandInDialog);
  return true;
}

/**
 * A stored dialog that its code cannot replay (its log was recorded by other dialog code: an upgrade
 * that changed the steps without bumping DIALOG_VERSION) is dropped like one of an old version. The
 * plugin has already removed it when it throws; the update then goes on through the cockpit, whose
 * fallback answers it: a button with "this dialog is over" (or "already launched"), a message with
 * the organiser help. Before, the organiser got "something went wrong" and the button press was
 * never answered. Errors from the dialog's own code, and from middleware after it, pass unchanged.
 */
function droppingUnreplayable(dialog: MiddlewareFn<HeraldContext>): MiddlewareFn<HeraldContext> {
  return async (ctx, next) => {
    let passedOn = false;
    try {
      await dialog(ctx, () => {
        passedOn = true;
        return next();
      });
    } catch (error) {
      if (passedOn || !isReplayMismatch(error)) throw error;
      ctx.logger.warn(
        { err: describeError(error), dialog_version: DIALOG_VERSION },
        "a stored dialog does not replay with this code (recorded by another version): dropped",
      );
      await next();
    }
  };
}

/**
 * Contexts inside a dialog are built by the conversations plugin: they get the same logger and
 * language as the outside. No API transformer here (the flood gate's): one installed on a
 * dialog's API wraps the plugin's replay log, so on every later update it would act again on the
 * recorded calls. Dialogs speak through dialogIO instead: the bot's own API inside `external`.
 */
function decorateDialog(deps: Pick<BotDeps, "logger">) {
  return (ctx: DialogContext, next: () => Promise<void>) => {
    ctx.logger = deps.logger.child({ update_id: ctx.update.update_id, chat_id: ctx.chat?.id, dialog: true });
    ctx.language = pickLanguage(ctx.from?.language_code);
    ctx.messages = messagesFor(ctx.language);
    return next();
  };
}
