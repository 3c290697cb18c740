import type { MessageEntity } from "grammy/types";
import { escapeHtml } from "./html.js";
import { PLACEHOLDER } from "./placeholders.js";

/** One entity as an HTML element over `[start, end)` of the text, in UTF-16 code units. */
interface Span {
  start: number;
  end: number;
  open: string;
  close: string;
  /** Tie-break for spans over the same range: lower is opened first, so a quote wraps the bold, not the reverse. */
  rank: number;
  /**
   * Quotes, pre blocks, custom emoji and times look wrong when cut in two (two quotes, two emoji), so when
   * entities overlap, the tags around them are cut instead.
   */
  whole: boolean;
  /** Position in the entity list, to keep the output stable when everything else is equal. */
  order: number;
}

// `{name}` or `{name|fallback}` with its braces (and bar) percent-encoded; the fallback may be encoded too.
const ENCODED_PLACEHOLDER = /%7[bB]([a-z][a-z0-9_]{0,31})(?:(?:%7[cC]|\|)((?:(?!%7[bBdD])[^{}])*))?%7[dD]/g;

/**
 * Turns a message's `text` + `entities` (or `caption` + `caption_entities`) into Telegram HTML that
 * reproduces its formatting, for storing as a broadcast template.
 *
 * Entities that overlap without nesting are closed and reopened, so the HTML is always well formed.
 * An entity edge that falls inside a `{placeholder}` is moved to the placeholder's edge, so the
 * placeholder stays one piece of text that the renderer can still find.
 */
export function entitiesToHtml(text: string, entities: readonly MessageEntity[] | undefined): string {
  const spans = toSpans(text, entities ?? []);
  if (spans.length === 0) return escapeHtml(text);

  const points = [...new Set(spans.flatMap((span) => [span.start, span.end]))].sort((a, b) => a - b);
  const stack: Span[] = [];
  let html = "";
  let cursor = 0;
  let next = 0;

  for (const point of points) {
    html += escapeHtml(text.slice(cursor, point));
    cursor = point;

    // Closing a tag also closes everything opened inside it; those that go on past here are reopened.
    const pending: Span[] = [];
    const lowest = stack.findIndex((span) => span.end === point);
    if (lowest !== -1) {
      for (const span of stack.splice(lowest).reverse()) {
        html += span.close;
        if (span.end > point) pending.push(span);
      }
    }

    for (let span = spans[next]; span !== undefined && span.start === point; span = spans[++next]) {
      pending.push(span);
    }

    while (pending.length > 0) {
      // Outermost first (the one that ends last), so later edges cut as few tags as possible.
      pending.sort(outerFirst);
      const span = pending.shift() as Span;
      if (span.whole) {
        // Tags that end inside this one would cut it later; cut them here instead and reopen them inside.
        const cut = stack.findIndex((open) => open.end < span.end);
        if (cut !== -1 && stack.slice(cut).every((open) => !open.whole)) {
          for (const open of stack.splice(cut).reverse()) {
            html += open.close;
            pending.push(open);
          }
        }
      }
      html += span.open;
      stack.push(span);
    }
  }

  return html + escapeHtml(text.slice(cursor));
}

function toSpans(text: string, entities: readonly MessageEntity[]): Span[] {
  const placeholders = [...text.matchAll(PLACEHOLDER)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
  const snap = (position: number, edge: "start" | "end"): number => {
    const inside = placeholders.find((range) => range.start < position && position < range.end);
    return inside ? inside[edge] : position;
  };

  const spans: Span[] = [];
  entities.forEach((entity, order) => {
    const element = elementFor(entity);
    if (!element) return;
    const start = snap(clamp(entity.offset, text.length), "start");
    const end = snap(clamp(entity.offset + entity.length, text.length), "end");
    // An empty element shows nothing, and a zero-width one would only complicate the nesting.
    if (end <= start) return;
    spans.push({ start, end, order, ...element });
  });

  return spans.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank || a.order - b.order);
}

function outerFirst(a: Span, b: Span): number {
  return b.end - a.end || a.rank - b.rank || a.order - b.order;
}

function clamp(position: number, length: number): number {
  return Math.min(Math.max(position, 0), length);
}

type Element = Pick<Span, "open" | "close" | "rank" | "whole">;

function element(tag: string, rank: number, attributes = "", whole = false): Element {
  return { open: `<${tag}${attributes}>`, close: `</${tag}>`, rank, whole };
}

/** `undefined` for entities Telegram finds by itself in plain text (links, @mentions, #tags…). */
function elementFor(entity: MessageEntity): Element | undefined {
  switch (entity.type) {
    case "blockquote":
      return element("blockquote", 0, "", true);
    case "expandable_blockquote":
      return element("blockquote", 0, " expandable", true);
    case "pre":
      return entity.language
        ? {
            open: `<pre><code class="language-${escapeAttribute(entity.language)}">`,
            close: "</code></pre>",
            rank: 1,
            whole: true,
          }
        : element("pre", 1, "", true);
    case "text_link":
      return element("a", 2, ` href="${escapeAttribute(decodePlaceholders(entity.url))}"`);
    case "text_mention":
      return element("a", 2, ` href="tg://user?id=${entity.user.id}"`);
    case "bold":
      return element("b", 3);
    case "italic":
      return element("i", 3);
    case "underline":
      return element("u", 3);
    case "strikethrough":
      return element("s", 3);
    case "spoiler":
      return element("tg-spoiler", 3);
    case "code":
      return element("code", 4);
    case "custom_emoji":
      return element("tg-emoji", 5, ` emoji-id="${escapeAttribute(entity.custom_emoji_id)}"`, true);
    case "date_time": {
      const format = entity.date_time_format ? ` format="${escapeAttribute(entity.date_time_format)}"` : "";
      return element("tg-time", 5, ` unix="${entity.unix_time}"${format}`, true);
    }
    default:
      return undefined;
  }
}

/** `escapeHtml` leaves `"` alone, which is fine in text but would end an attribute value early. */
function escapeAttribute(value: string): string {
  return escapeHtml(value).replaceAll('"', "&quot;");
}

/**
 * A link's URL may come back with its braces percent-encoded (`%7Bticket_url%7D`); the renderer only
 * knows the plain form, so turn such placeholders back into it.
 */
function decodePlaceholders(url: string): string {
  return url.replace(ENCODED_PLACEHOLDER, (_whole, name: string, fallback: string | undefined) =>
    fallback === undefined ? `{${name}}` : `{${name}|${decodeFallback(fallback)}}`,
  );
}

function decodeFallback(fallback: string): string {
  try {
    return decodeURIComponent(fallback).replace(/[{}]/g, "");
  } catch {
    return fallback;
  }
}
