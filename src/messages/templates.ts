import { asc, eq } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { templates } from "../db/schema.js";
import { DomainError } from "../errors.js";
import type { BroadcastContent } from "./content.js";

export class TemplateNotFoundError extends DomainError {
  override readonly name = "TemplateNotFoundError";
  readonly code = "template_not_found";
  constructor(id: number) {
    super(`there is no template ${id}`);
  }
}

export interface Template {
  id: number;
  name: string;
  content: BroadcastContent;
  updatedAt: number;
}

export interface Templates {
  /** Saves under a name; the same name replaces the earlier content. */
  save(input: { name: string; content: BroadcastContent; by: number }): Template;
  list(): Template[];
  get(id: number): Template;
  remove(id: number): void;
}

export function createTemplates(deps: { db: Db; clock: Clock }): Templates {
  const { db, clock } = deps;
  const view = (row: typeof templates.$inferSelect): Template => ({
    id: row.id,
    name: row.name,
    content: JSON.parse(row.content) as BroadcastContent,
    updatedAt: row.updatedAt,
  });
  const get = (id: number) => {
    const row = db.select().from(templates).where(eq(templates.id, id)).get();
    if (!row) throw new TemplateNotFoundError(id);
    return view(row);
  };
  return {
    save({ name, content, by }) {
      const now = clock.now();
      const row = db
        .insert(templates)
        .values({ name, content: JSON.stringify(content), createdBy: by, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: templates.name,
          set: { content: JSON.stringify(content), updatedAt: now },
        })
        .returning()
        .get();
      return view(row);
    },
    list() {
      return db.select().from(templates).orderBy(asc(templates.name)).all().map(view);
    },
    get,
    remove(id) {
      get(id);
      db.delete(templates).where(eq(templates.id, id)).run();
    },
  };
}
