import { Composer } from "grammy";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { dialogKey, hasDialog } from "../../dialog-storage.js";

/**
 * Last in the cockpit. An organiser's command we do not know, or a message with no dialog open (say,
 * after an upgrade dropped an old dialog): a hint rather than silence. Chatter in the organisers'
 * group is left alone; in a private chat, an organiser who is not mid-dialog and writes plain text
 * is treated as an attendee.
 */
export function helpFeature(deps: Pick<BotDeps, "db">): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.on("message", async (ctx, next) => {
    const isCommand = ctx.message.text?.startsWith("/") ?? false;
    const repliesToBot = ctx.message.reply_to_message?.from?.id === ctx.me.id;
    if (ctx.chat.type === "private" || isCommand || repliesToBot) {
      if (ctx.chat.type === "private" && !isCommand && !hasOrganiserContext(ctx)) return next();
      await ctx.reply(`${ctx.messages.organiserHelp}\n${ctx.messages.organiserHelpForms}`);
      return;
    }
  });

  function hasOrganiserContext(ctx: HeraldContext): boolean {
    const key = dialogKey(ctx);
    return key !== undefined && hasDialog(deps.db, key);
  }

  return composer;
}
