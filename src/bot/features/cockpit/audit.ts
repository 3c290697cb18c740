import type { MiddlewareFn } from "grammy";
import { recordAdminAction } from "../../../audience/audit.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";

/** Who did what, where and when: ids and settings only. */
export function recordAction(
  deps: Pick<BotDeps, "db" | "clock">,
  ctx: HeraldContext,
  action: string,
  detail: Record<string, unknown>,
): void {
  recordAdminAction(deps.db, {
    actorId: ctx.from?.id ?? 0,
    chatId: ctx.chat?.id ?? 0,
    action,
    detail,
    at: deps.clock.now(),
  });
}

/** Every command, button and upload of an organiser is recorded, before anything else handles it. */
export function auditTrail(deps: Pick<BotDeps, "db" | "clock">): MiddlewareFn<HeraldContext> {
  return (ctx, next) => {
    const action = ctx.callbackQuery?.data
      ? { action: "button", detail: { data: ctx.callbackQuery.data } }
      : ctx.message?.text?.startsWith("/")
        ? { action: "command", detail: { command: ctx.message.text.split(/\s/)[0] } }
        : ctx.message?.document
          ? { action: "upload", detail: { bytes: ctx.message.document.file_size ?? null } }
          : undefined;
    if (action) recordAction(deps, ctx, action.action, action.detail);
    return next();
  };
}
