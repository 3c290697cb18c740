import type { MiddlewareFn } from "grammy";
import { isCockpitButton } from "../callback-data.js";
import { ORGANISER_COMMANDS } from "../commands.js";
import type { HeraldContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { dialogKey, hasDialog } from "../dialog-storage.js";

/**
 * Marks an update as an organiser's (`ctx.organiser`), for the isOrganiser filter. Cheap checks
 * first, so an attendee's ordinary update never costs a membership lookup (a Telegram call).
 */
export function recogniseOrganisers(
  deps: Pick<BotDeps, "db" | "config" | "cockpit">,
): MiddlewareFn<HeraldContext> {
  const { db, config, cockpit } = deps;

  function mayBeForCockpit(ctx: HeraldContext): boolean {
    const text = ctx.message?.text;
    if (text?.startsWith("/")) {
      const command = text.slice(1).split(/[\s@]/)[0] ?? "";
      if ((ORGANISER_COMMANDS as readonly string[]).includes(command)) return true;
    }
    if (isCockpitButton(ctx.callbackQuery?.data)) return true;
    if (ctx.message?.document) return true;
    if (ctx.chat?.id === config.adminChatId) return true;
    const key = dialogKey(ctx);
    return key !== undefined && hasDialog(db, key);
  }

  return async (ctx, next) => {
    ctx.organiser =
      ctx.from !== undefined &&
      ctx.chat !== undefined &&
      mayBeForCockpit(ctx) &&
      (await cockpit.organisers.isOrganiser(ctx.from.id, ctx.chat.id));
    return next();
  };
}
