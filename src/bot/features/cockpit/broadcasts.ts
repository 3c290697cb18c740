import { Composer, InlineKeyboard } from "grammy";
import type { Broadcast } from "../../../delivery/broadcasts.js";
import { broadcastButton, type CodecValue } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { broadcastStatus } from "../../progress-view.js";
import { recordAction } from "./audit.js";
import { onPress, type PressContext } from "./press.js";

type Deps = Pick<BotDeps, "db" | "clock" | "config" | "cockpit">;

/** /broadcasts, and the controls on progress messages and broadcast lists (open, pause, resume, cancel). */
export function broadcastsFeature(deps: Deps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.command("broadcasts", (ctx) => showBroadcasts(deps, ctx));
  composer.use(onPress(broadcastButton, (ctx, press) => control(deps, ctx, press)));
  return composer;
}

/**
 * A refused action (the broadcast moved on meanwhile) or an unknown broadcast is answered on the
 * button by the cockpit's refusals; the progress message then shows the real state either way.
 */
async function control(deps: Deps, ctx: PressContext, { action, id }: CodecValue<typeof broadcastButton>) {
  const { cockpit } = deps;
  const m = ctx.messages;
  if (action === "open") {
    cockpit.broadcasts.get(id);
    await ctx.answerCallbackQuery();
    await cockpit.progress.show(id, ctx.chat?.id as number, ctx.language);
    return;
  }
  if (action === "cancel") {
    await ctx.answerCallbackQuery();
    await ctx.reply(fill(m.cancelConfirm, { id }), {
      reply_markup: new InlineKeyboard()
        .text(m.cancelYes, broadcastButton.encode({ action: "cancel!", id }))
        .text(m.cancelNo, broadcastButton.encode({ action: "keep", id })),
    });
    return;
  }
  if (action === "keep") {
    await ctx.answerCallbackQuery();
    await ctx.deleteMessage().catch(() => undefined);
    return;
  }
  if (action === "pause") cockpit.broadcasts.pause(id, m.pausedByOrganiser);
  else if (action === "resume") cockpit.broadcasts.resume(id);
  else {
    cockpit.broadcasts.cancel(id);
    await ctx.deleteMessage().catch(() => undefined);
  }
  // No wake here: the broadcasts' onChange wakes delivery on every change of state.
  recordAction(deps, ctx, `broadcast.${action === "cancel!" ? "cancel" : action}`, { broadcast: id });
  await ctx.answerCallbackQuery();
  cockpit.progress.refresh(id);
}

export async function showBroadcasts(deps: Deps, ctx: HeraldContext): Promise<void> {
  const m = ctx.messages;
  const rows = deps.cockpit.broadcasts.list(10);
  if (rows.length === 0) {
    await ctx.reply(m.broadcastsEmpty);
    return;
  }
  const keyboard = new InlineKeyboard();
  for (const row of rows) {
    keyboard
      .text(`#${row.id} ${row.title}`.slice(0, 60), broadcastButton.encode({ action: "open", id: row.id }))
      .row();
  }
  await ctx.reply([m.broadcastsTitle, ...rows.map((row) => broadcastLine(deps, ctx, row))].join("\n"), {
    reply_markup: keyboard,
  });
}

export function statusOf(deps: Pick<BotDeps, "config">, ctx: HeraldContext, row: Broadcast): string {
  return broadcastStatus(row, ctx.messages, { language: ctx.language, timezone: deps.config.timezone });
}

export function broadcastLine(deps: Pick<BotDeps, "config">, ctx: HeraldContext, row: Broadcast): string {
  const { id, title, sent, total } = row;
  return fill(ctx.messages.broadcastLine, { id, title, status: statusOf(deps, ctx, row), sent, total });
}
