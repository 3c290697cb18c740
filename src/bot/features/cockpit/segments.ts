import { Composer, InlineKeyboard } from "grammy";
import { segmentDeleteButton } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { recordAction } from "./audit.js";
import { onPress } from "./press.js";

type Deps = Pick<BotDeps, "db" | "clock" | "cockpit">;

/** /segments: uploaded lists with their sizes, each to delete (not while a broadcast sends to it). */
export function segmentsFeature(deps: Deps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.command("segments", (ctx) => showSegments(deps, ctx));
  composer.use(
    onPress(segmentDeleteButton, async (ctx, { id }) => {
      await ctx.answerCallbackQuery();
      const segment = deps.cockpit.segments.get(id);
      deps.cockpit.segments.remove(id);
      recordAction(deps, ctx, "segment.delete", { segment: id, name: segment.name });
      await ctx.reply(fill(ctx.messages.segmentDeleted, { name: segment.name }));
    }),
  );
  return composer;
}

export async function showSegments(deps: Deps, ctx: HeraldContext): Promise<void> {
  const m = ctx.messages;
  const list = deps.cockpit.segments.list();
  if (list.length === 0) {
    await ctx.reply(m.segmentsEmpty);
    return;
  }
  const keyboard = new InlineKeyboard();
  const lines = [m.segmentsTitle];
  for (const s of list.slice(0, 20)) {
    const reachable = deps.cockpit.segments.count({ kind: "segment", segmentId: s.id });
    lines.push(fill(m.segmentLine, { name: s.name, size: s.size, reachable }));
    keyboard.text(fill(m.deleteItem, { name: s.name }), segmentDeleteButton.encode({ id: s.id })).row();
  }
  await ctx.reply(lines.join("\n"), { reply_markup: keyboard });
}
