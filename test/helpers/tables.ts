import type { HeraldDatabase } from "../../src/db/client.js";

/** Herald's own tables (not SQLite's, not the migrations'), to snapshot that a refused request wrote nothing. */
export function userTables(sqlite: HeraldDatabase["sqlite"]): string[] {
  return (
    sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%drizzle%' ORDER BY name",
      )
      .all() as Array<{ name: string }>
  ).map((row) => row.name);
}
