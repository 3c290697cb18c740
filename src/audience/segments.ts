import { desc, eq } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Db, HeraldDatabase, Statement } from "../db/client.js";
import { type SegmentKey, segmentMembers, segments } from "../db/schema.js";
import { DomainError } from "../errors.js";
import { TICKET_SENT } from "../outbox/tickets.js";
import type { ParsedList } from "./list-file.js";

export const STAGES = ["bound", "approved", "ticket_sent", "completed"] as const;
export type Stage = (typeof STAGES)[number];

/** Who receives a broadcast. Every rule is over active subscribers only. */
export type AudienceRule =
  | { kind: "all_active" }
  | { kind: "stage"; stage: Stage }
  /** Subscribed (first opened the bot) in [from, to), Unix ms; either end may be open. */
  | { kind: "subscribed"; from?: number; to?: number }
  | { kind: "segment"; segmentId: number };

/**
 * A rule as an SQL condition on a `subscribers` row (unqualified column names) with its named
 * parameters. The delivery engine materialises audiences with it, and the cockpit counts them with it,
 * so what an organiser is shown is exactly who receives the message.
 */
export function audienceFilter(rule: AudienceRule): { where: string; params: Record<string, number> } {
  const active = "status = 'active'";
  switch (rule.kind) {
    case "all_active":
      return { where: active, params: {} };
    case "stage":
      return { where: `${active} AND telegram_id IN (${STAGE_MEMBERS[rule.stage]})`, params: {} };
    case "subscribed":
      return {
        where: `${active} AND first_seen_at >= @subscribedFrom AND first_seen_at < @subscribedTo`,
        params: { subscribedFrom: rule.from ?? 0, subscribedTo: rule.to ?? Number.MAX_SAFE_INTEGER },
      };
    case "segment":
      return {
        where: `${active} AND telegram_id IN (
          SELECT r.telegram_id FROM segment_members m JOIN registrations r ON r.answer_id = m.answer_id
          WHERE m.segment_id = @segmentId AND r.telegram_id IS NOT NULL
          UNION ALL SELECT telegram_id FROM segment_members WHERE segment_id = @segmentId AND telegram_id IS NOT NULL)`,
        params: { segmentId: rule.segmentId },
      };
  }
}

const STAGE_MEMBERS: Record<Stage, string> = {
  bound: "SELECT telegram_id FROM registrations WHERE telegram_id IS NOT NULL",
  approved: "SELECT telegram_id FROM registrations WHERE telegram_id IS NOT NULL AND moderation = 'approved'",
  // A ticket counts once Telegram accepted it.
  ticket_sent: `SELECT telegram_id FROM registrations WHERE telegram_id IS NOT NULL AND ${TICKET_SENT}`,
  completed:
    "SELECT telegram_id FROM registrations WHERE telegram_id IS NOT NULL AND completed_at IS NOT NULL",
};

export function parseAudienceRule(json: string): AudienceRule {
  return JSON.parse(json) as AudienceRule;
}

export class SegmentError extends DomainError {
  override readonly name = "SegmentError";
  constructor(
    readonly code: "segment_not_found" | "segment_name_taken" | "segment_invalid" | "segment_in_use",
    message: string,
  ) {
    super(message);
  }
}

export type Segment = typeof segments.$inferSelect;

export interface ImportSummary {
  segment: Segment | null;
  entries: number;
  /** Values that match a known registration (answer key) or subscriber (Telegram key). */
  matched: number;
  unknown: number;
  duplicates: number;
  /** Registrations whose attributes were set. */
  attributesSet: number;
  columns: string[];
}

export interface Segments {
  count(rule: AudienceRule): number;
  /** One real recipient of the rule, preferring one with a registration, for previews. */
  sample(rule: AudienceRule): number | undefined;
  /**
   * Imports a parsed list in one transaction: a segment (when named) and attribute columns merged into
   * known registrations. A list with errors must not reach here; it is refused as a whole.
   */
  importList(input: { name: string | null; list: ParsedList; by: number }): ImportSummary;
  list(): Segment[];
  get(id: number): Segment;
  remove(id: number): void;
}

export const SEGMENT_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.-]{0,47}$/u;

export function createSegments(deps: { database: HeraldDatabase; clock: Clock }): Segments {
  const { db, sqlite } = deps.database;
  const statements = new Map<string, Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const get = (id: number): Segment => {
    const row = db.select().from(segments).where(eq(segments.id, id)).get();
    if (!row) throw new SegmentError("segment_not_found", `there is no segment ${id}`);
    return row;
  };
  const knownAnswer = sqlite.prepare("SELECT attributes FROM registrations WHERE answer_id = ?");
  const knownSubscriber = sqlite.prepare("SELECT 1 FROM subscribers WHERE telegram_id = ?");
  const setAttributes = sqlite.prepare(
    "UPDATE registrations SET attributes = ?, updated_at = ? WHERE answer_id = ?",
  );

  return {
    count(rule) {
      const { where, params } = audienceFilter(rule);
      return (prepared(`SELECT count(*) AS n FROM subscribers WHERE ${where}`).get(params) as { n: number })
        .n;
    },
    sample(rule) {
      const { where, params } = audienceFilter(rule);
      const row = prepared(
        `SELECT telegram_id FROM subscribers WHERE ${where}
         ORDER BY telegram_id IN (SELECT telegram_id FROM registrations WHERE telegram_id IS NOT NULL) DESC, telegram_id
         LIMIT 1`,
      ).get(params) as { telegram_id: number } | undefined;
      return row?.telegram_id;
    },
    importList({ name, list, by }) {
      if (list.errors.length > 0) {
        throw new SegmentError("segment_invalid", "a list with errors cannot be imported");
      }
      if (name !== null && !SEGMENT_NAME.test(name)) {
        throw new SegmentError("segment_invalid", `"${name}" cannot name a segment`);
      }
      const now = deps.clock.now();
      return sqlite.transaction((): ImportSummary => {
        let matched = 0;
        let attributesSet = 0;
        for (const entry of list.entries) {
          if (list.key === "telegram_id") {
            if (knownSubscriber.get(Number(entry.value))) matched++;
            continue;
          }
          const found = knownAnswer.get(entry.value) as { attributes: string } | undefined;
          if (!found) continue;
          matched++;
          const changes = Object.entries(entry.attributes).filter(([, value]) => value !== "");
          if (changes.length === 0) continue;
          const merged = {
            ...(JSON.parse(found.attributes) as Record<string, string>),
            ...Object.fromEntries(changes),
          };
          setAttributes.run(JSON.stringify(merged), now, entry.value);
          attributesSet++;
        }
        const segment = name === null ? null : createSegment(db, { name, key: list.key, list, by, now });
        return {
          segment,
          entries: list.entries.length,
          matched,
          unknown: list.entries.length - matched,
          duplicates: list.duplicates.lines,
          attributesSet,
          columns: list.columns,
        };
      })();
    },
    list() {
      return db.select().from(segments).orderBy(desc(segments.id)).all();
    },
    get,
    remove(id) {
      get(id);
      // Audiences are read in batches as a broadcast goes: deleting its list would cut it short. A
      // draft is only a dialog's last step; launching it after its list is gone sends to nobody.
      const inUse = sqlite
        .prepare(
          `SELECT id FROM broadcasts WHERE status IN ('scheduled', 'running', 'paused')
           AND json_extract(audience, '$.kind') = 'segment' AND json_extract(audience, '$.segmentId') = ? LIMIT 1`,
        )
        .get(id) as { id: number } | undefined;
      if (inUse) {
        throw new SegmentError("segment_in_use", `broadcast ${inUse.id} is still sending to segment ${id}`);
      }
      db.delete(segments).where(eq(segments.id, id)).run();
    },
  };
}

function createSegment(
  db: Db,
  input: { name: string; key: SegmentKey; list: ParsedList; by: number; now: number },
): Segment {
  const taken = db.select({ id: segments.id }).from(segments).where(eq(segments.name, input.name)).get();
  if (taken) {
    throw new SegmentError("segment_name_taken", `a segment named "${input.name}" exists already`);
  }
  const segment = db
    .insert(segments)
    .values({
      name: input.name,
      key: input.key,
      size: input.list.entries.length,
      createdBy: input.by,
      createdAt: input.now,
    })
    .returning()
    .get();
  const values = input.list.entries.map((entry) =>
    input.key === "answer_id"
      ? { segmentId: segment.id, answerId: entry.value, telegramId: null }
      : { segmentId: segment.id, answerId: null, telegramId: Number(entry.value) },
  );
  // Chunked: one statement with many rows would exceed SQLite's variable limit.
  for (let i = 0; i < values.length; i += 500) {
    db.insert(segmentMembers)
      .values(values.slice(i, i + 500))
      .run();
  }
  return segment;
}
