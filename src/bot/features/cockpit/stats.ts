import { Composer } from "grammy";
import { collectStats } from "../../../audience/stats.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { broadcastLine } from "./broadcasts.js";

type Deps = Pick<BotDeps, "config" | "cockpit">;

/** /stats: subscribers, registrations, tickets and the latest broadcasts. */
export function statsFeature(deps: Deps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.command("stats", (ctx) => showStats(deps, ctx));
  return composer;
}

export async function showStats(deps: Deps, ctx: HeraldContext): Promise<void> {
  const m = ctx.messages;
  const stats = collectStats(deps.cockpit.sqlite);
  const lines = [
    fill(m.statsText, { ...stats.subscribers, ...stats.registrations, tickets: stats.ticketsSent }),
  ];
  const recent = deps.cockpit.broadcasts.list(5);
  if (recent.length > 0)
    lines.push("", m.statsBroadcasts, ...recent.map((row) => broadcastLine(deps, ctx, row)));
  await ctx.reply(lines.join("\n"));
}
