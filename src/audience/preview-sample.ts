import type { Sqlite } from "../db/client.js";
import type { Content } from "../messages/content.js";
import { missingParams, placeholdersOfContent } from "../messages/content-params.js";
import type { Params } from "../messages/render.js";
import { type AudienceRule, audienceFilter, type Segments } from "./segments.js";

/** Who the preview is for, and (in dialogs stored before it was counted) how many lack a parameter. */
export interface PreviewSample {
  id: number | null;
  answer: string | null;
  lacking?: number;
  total?: number;
  missing?: string[];
}

/** Recipients read per page while counting who lacks a parameter (the event loop runs between pages). */
const SAMPLE_PAGE = 1000;

/**
 * The preview's recipient: one who has every parameter the message uses without a fallback, so the
 * organiser sees it filled in rather than "ваш зал — ."; and how many of the audience lack one.
 */
export async function previewSample(
  deps: { sqlite: Sqlite; segments: Pick<Segments, "sample">; paramsOf: (telegramId: number) => Params },
  content: Content,
  rule: AudienceRule,
): Promise<PreviewSample> {
  const { segments, sqlite, paramsOf } = deps;
  const withAnswer = (
    id: number | undefined,
    counted: Omit<PreviewSample, "id" | "answer"> = {},
  ): PreviewSample =>
    id === undefined
      ? { id: null, answer: null, ...counted }
      : { id, answer: paramsOf(id).answer_id ?? null, ...counted };
  if (placeholdersOfContent(content).length === 0) return withAnswer(segments.sample(rule));
  const { where, params } = audienceFilter(rule);
  const page = sqlite.prepare(
    `SELECT telegram_id AS id FROM subscribers WHERE ${where} AND telegram_id > @after
     ORDER BY telegram_id LIMIT ${SAMPLE_PAGE}`,
  );
  const missing = new Set<string>();
  let [lacking, total, complete] = [0, 0, undefined as number | undefined];
  for (let after = Number.MIN_SAFE_INTEGER; ; ) {
    const ids = page.all({ ...params, after }) as Array<{ id: number }>;
    for (const { id } of ids) {
      total++;
      const lacks = missingParams(content, paramsOf(id));
      if (lacks.length === 0) complete ??= id;
      else lacking++;
      for (const name of lacks) missing.add(name);
    }
    if (ids.length < SAMPLE_PAGE) break;
    after = (ids.at(-1) as { id: number }).id;
    // 180,000 recipients take seconds: let sending and other chats go on between pages.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return withAnswer(complete ?? segments.sample(rule), { lacking, total, missing: [...missing] });
}
