import { Composer } from "grammy";
import { collectStats } from "../../../audience/stats.js";
import { blockedReason } from "../../../messages/transactional.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { broadcastLine } from "./broadcasts.js";

type Deps = Pick<BotDeps, "config" | "cockpit">;

/** /stats: subscribers, registrations, tickets (and those Telegram refused or the attendee blocked) and the latest broadcasts. */
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
  // Only when there is something to act on: each line is an attendee still without their ticket or answer.
  const failed = stats.decisionsFailed;
  if (failed.count > 0) {
    lines.push(fill(m.statsDecisionsFailed, { n: failed.count }));
    for (const f of failed.latest) {
      const kind = f.kind === "ticket" ? m.statsFailedTicket : m.statsFailedRejection;
      const reason = f.blocked ? blockedReason(ctx.language, f.reason) : f.reason;
      lines.push(fill(m.statsDecisionFailed, { answer: f.answerId, kind, reason }));
    }
  }
  const recent = deps.cockpit.broadcasts.list(5);
  if (recent.length > 0)
    lines.push("", m.statsBroadcasts, ...recent.map((row) => broadcastLine(deps, ctx, row)));
  await ctx.reply(lines.join("\n"));
}
