import type { HeraldContext } from "../context.js";

/**
 * The cockpit's one narrowing: a predicate with no lookups and no effects. recogniseOrganisers
 * (middleware/recognise-organisers.ts) asked the database and Telegram before it.
 */
export function isOrganiser(ctx: HeraldContext): boolean {
  return ctx.organiser === true;
}
