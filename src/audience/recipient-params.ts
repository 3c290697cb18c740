import type { Sqlite } from "../db/client.js";
import type { Params } from "../messages/render.js";

/** Parameters every recipient may have, besides the attributes the form site or a list upload set. */
export const BUILT_IN_PARAMS = ["answer_id", "ticket_url"] as const;

/**
 * A recipient's template parameters: their latest bound answer's number, ticket link and attributes.
 * A subscriber without a registration has none (their buttons that need one are dropped).
 */
export function createRecipientParams(sqlite: Sqlite): (telegramId: number) => Params {
  const latest = sqlite.prepare(
    `SELECT answer_id, ticket_url, attributes FROM registrations WHERE telegram_id = ?
     ORDER BY bound_at DESC LIMIT 1`,
  );
  return (telegramId) => {
    const found = latest.get(telegramId) as
      | { answer_id: string; ticket_url: string | null; attributes: string }
      | undefined;
    if (!found) return {};
    const attributes = JSON.parse(found.attributes) as Record<string, string>;
    return { ...attributes, answer_id: found.answer_id, ticket_url: found.ticket_url ?? "" };
  };
}

/** Every parameter name a template may use today: the built-ins and every attribute key ever set. */
export function knownParameters(sqlite: Sqlite): Set<string> {
  const rows = sqlite
    .prepare("SELECT DISTINCT j.key AS key FROM registrations, json_each(registrations.attributes) AS j")
    .all() as Array<{ key: string }>;
  return new Set([...BUILT_IN_PARAMS, ...rows.map((row) => row.key)]);
}
