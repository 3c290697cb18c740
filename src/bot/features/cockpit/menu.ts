import { Composer, InlineKeyboard } from "grammy";
import { MENU_ITEMS, menuButton } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import type { Messages } from "../../locales/index.js";
import { showBroadcasts } from "./broadcasts.js";
import { startCompose } from "./dialogs.js";
import { onPress } from "./press.js";
import { showScenarios } from "./scenarios.js";
import { showSegments } from "./segments.js";
import { showStats } from "./stats.js";
import { showTemplates } from "./templates.js";

type Deps = Pick<BotDeps, "db" | "clock" | "config" | "cockpit">;
type MenuItem = (typeof MENU_ITEMS)[number];

/** /admin and its menu, and /new: the cockpit's entry points. */
export function menuFeature(deps: Deps): Composer<HeraldContext> {
  const screens: Record<MenuItem, (ctx: HeraldContext) => Promise<void>> = {
    new: (ctx) => startCompose(ctx),
    broadcasts: (ctx) => showBroadcasts(deps, ctx),
    templates: (ctx) => showTemplates(deps, ctx),
    segments: (ctx) => showSegments(deps, ctx),
    stats: (ctx) => showStats(deps, ctx),
    scenarios: (ctx) => showScenarios(deps, ctx),
  };
  const composer = new Composer<HeraldContext>();
  composer.command("admin", (ctx) => ctx.reply(ctx.messages.menuTitle, { reply_markup: menu(ctx.messages) }));
  composer.command("new", (ctx) => startCompose(ctx));
  composer.use(
    onPress(menuButton, async (ctx, { item }) => {
      await ctx.answerCallbackQuery();
      // An item of another version's menu is answered and ignored.
      if ((MENU_ITEMS as readonly string[]).includes(item)) await screens[item as MenuItem](ctx);
    }),
  );
  return composer;
}

function menu(m: Messages): InlineKeyboard {
  const item = (value: MenuItem) => menuButton.encode({ item: value });
  return new InlineKeyboard()
    .text(m.menuNew, item("new"))
    .row()
    .text(m.menuBroadcasts, item("broadcasts"))
    .text(m.menuStats, item("stats"))
    .row()
    .text(m.menuTemplates, item("templates"))
    .text(m.menuSegments, item("segments"))
    .row()
    .text(m.menuScenarios, item("scenarios"));
}
