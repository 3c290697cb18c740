import { Composer, InlineKeyboard } from "grammy";
import { templateButton } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { recordAction } from "./audit.js";
import { startCompose } from "./dialogs.js";
import { onPress } from "./press.js";

type Deps = Pick<BotDeps, "db" | "clock" | "cockpit">;

/** /templates: saved messages, each to compose from or to delete. */
export function templatesFeature(deps: Deps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.command("templates", (ctx) => showTemplates(deps, ctx));
  composer.use(
    onPress(templateButton, async (ctx, { action, id }) => {
      await ctx.answerCallbackQuery();
      if (action === "use") {
        await startCompose(ctx, id);
        return;
      }
      const template = deps.cockpit.templates.get(id);
      deps.cockpit.templates.remove(id);
      recordAction(deps, ctx, "template.delete", { template: id, name: template.name });
      await ctx.reply(fill(ctx.messages.templateDeleted, { name: template.name }));
    }),
  );
  return composer;
}

export async function showTemplates(deps: Deps, ctx: HeraldContext): Promise<void> {
  const m = ctx.messages;
  const list = deps.cockpit.templates.list();
  if (list.length === 0) {
    await ctx.reply(m.templatesEmpty);
    return;
  }
  const keyboard = new InlineKeyboard();
  for (const t of list.slice(0, 20)) {
    keyboard
      .text(fill(m.useTemplate, { name: t.name }), templateButton.encode({ action: "use", id: t.id }))
      .text(fill(m.deleteItem, { name: t.name }), templateButton.encode({ action: "del", id: t.id }))
      .row();
  }
  await ctx.reply(m.templatesTitle, { reply_markup: keyboard });
}
