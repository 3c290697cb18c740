import type { Conversation } from "@grammyjs/conversations";
import { createRecipientParams, knownParameters } from "../../audience/recipient-params.js";
import type { DialogContext, HeraldContext } from "../context.js";
import { chooseAudience } from "./compose-audience.js";
import { launchedAnswer, previewAndConfirm } from "./compose-confirm.js";
import { chooseMessage } from "./compose-message.js";
import { choosePlan } from "./compose-plan.js";
import type { ComposeDeps, ComposeSession } from "./compose-session.js";
import { dialogIO } from "./dialog-io.js";

export const COMPOSE = "compose";

/**
 * Composing a broadcast, step by step: the message, its buttons, the audience, the plan, a preview
 * for a real recipient and a test send, then launch. Every database read and every side effect goes
 * through `conversation.external`, so replays after a restart repeat none of them; the steps live in
 * compose-*.ts and keep that order (DIALOG_VERSION counts on it).
 */
export function composeConversation(deps: ComposeDeps) {
  const paramsOf = createRecipientParams(deps.cockpit.sqlite);

  return async function compose(
    conversation: Conversation<HeraldContext, DialogContext>,
    ctx: DialogContext,
    templateId?: number,
  ) {
    const m = ctx.messages;
    const chatId = ctx.chat?.id as number;
    const io = dialogIO(conversation, chatId, m, {
      staleAnswer: (data) => launchedAnswer(deps.cockpit.broadcasts, data, m),
    });
    const session: ComposeSession = {
      deps,
      conversation,
      ctx,
      m,
      io,
      chatId,
      organiserId: ctx.from?.id as number,
      // /new and /admin mid-dialog are answered here: starting another dialog is what they lead to.
      input: (accept, hint) => io.input(accept, hint, ["new", "admin"]),
      paramsOf,
    };
    const known = await conversation.external(() => [...knownParameters(deps.cockpit.sqlite)]);
    const content = await chooseMessage(session, known, templateId);
    if (content === undefined) return;
    const audience = await chooseAudience(session);
    const plan = await choosePlan(session, audience);
    await previewAndConfirm(session, { content, audience, plan });
  };
}
