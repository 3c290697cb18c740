import type { MessageEntity } from "grammy/types";
import { describe, expect, it } from "vitest";
import { entitiesToHtml } from "../../src/messages/entities.js";

type Simple = "bold" | "italic" | "underline" | "strikethrough" | "spoiler" | "code" | "blockquote";

function entity(type: Simple | "url" | "mention" | "hashtag", offset: number, length: number): MessageEntity {
  return { type, offset, length };
}

describe("entitiesToHtml", () => {
  it("escapes plain text and keeps it as it is otherwise", () => {
    expect(entitiesToHtml('a < b && c > "d"\nnext line', undefined)).toBe(
      'a &lt; b &amp;&amp; c &gt; "d"\nnext line',
    );
    expect(entitiesToHtml("", [])).toBe("");
  });

  it("maps each inline style to its tag", () => {
    const text = "b i u s p c";
    const types: Simple[] = ["bold", "italic", "underline", "strikethrough", "spoiler", "code"];
    expect(
      entitiesToHtml(
        text,
        types.map((type, index) => entity(type, index * 2, 1)),
      ),
    ).toBe("<b>b</b> <i>i</i> <u>u</u> <s>s</s> <tg-spoiler>p</tg-spoiler> <code>c</code>");
  });

  it("nests an entity inside another", () => {
    expect(entitiesToHtml("Hello world", [entity("bold", 0, 11), entity("italic", 6, 5)])).toBe(
      "<b>Hello <i>world</i></b>",
    );
    // Given inner first: sorting by offset, then length, still puts the longer one outside.
    expect(entitiesToHtml("Hello world", [entity("italic", 0, 5), entity("bold", 0, 11)])).toBe(
      "<b><i>Hello</i> world</b>",
    );
  });

  it("closes and reopens entities that overlap without nesting", () => {
    expect(entitiesToHtml("abcdefghij", [entity("bold", 0, 5), entity("italic", 3, 5)])).toBe(
      "<b>abc<i>de</i></b><i>fgh</i>ij",
    );
    expect(
      entitiesToHtml("abcdefghij", [entity("bold", 0, 4), entity("italic", 2, 4), entity("underline", 3, 5)]),
    ).toBe("<b>ab<i>c<u>d</u></i></b><u><i>ef</i>gh</u>ij");
  });

  it("cuts the inline tags rather than a quote, so the quote stays one block", () => {
    expect(entitiesToHtml("abcdefgh", [entity("bold", 0, 4), entity("blockquote", 2, 6)])).toBe(
      "<b>ab</b><blockquote><b>cd</b>efgh</blockquote>",
    );
    expect(entitiesToHtml("abcdefghij", [entity("blockquote", 0, 6), entity("bold", 4, 6)])).toBe(
      "<blockquote>abcd<b>ef</b></blockquote><b>ghij</b>",
    );
    // Over the same range the quote goes outside, whatever the order of the entities.
    expect(entitiesToHtml("quote", [entity("bold", 0, 5), entity("blockquote", 0, 5)])).toBe(
      "<blockquote><b>quote</b></blockquote>",
    );
  });

  it("renders blockquotes, expandable ones included", () => {
    expect(
      entitiesToHtml("one\ntwo", [
        entity("blockquote", 0, 3),
        { type: "expandable_blockquote", offset: 4, length: 3 },
      ]),
    ).toBe("<blockquote>one</blockquote>\n<blockquote expandable>two</blockquote>");
  });

  it("renders pre blocks with and without a language, escaping the code", () => {
    const code = "if (a < b && c > d) {}";
    expect(entitiesToHtml(code, [{ type: "pre", offset: 0, length: code.length, language: "ts" }])).toBe(
      '<pre><code class="language-ts">if (a &lt; b &amp;&amp; c &gt; d) {}</code></pre>',
    );
    expect(entitiesToHtml(`See:\n${code}`, [{ type: "pre", offset: 5, length: code.length }])).toBe(
      "See:\n<pre>if (a &lt; b &amp;&amp; c &gt; d) {}</pre>",
    );
  });

  it("renders links with an escaped href, and mentions by user id", () => {
    expect(
      entitiesToHtml("site & more", [
        { type: "text_link", offset: 0, length: 4, url: 'https://x.org/?a=1&b="2"' },
      ]),
    ).toBe('<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">site</a> &amp; more');
    expect(
      entitiesToHtml("hi Ann", [
        { type: "text_mention", offset: 3, length: 3, user: { id: 42, is_bot: false, first_name: "Ann" } },
      ]),
    ).toBe('hi <a href="tg://user?id=42">Ann</a>');
  });

  it("renders custom emoji and times", () => {
    expect(
      entitiesToHtml("👍 ok", [{ type: "custom_emoji", offset: 0, length: 2, custom_emoji_id: "5368" }]),
    ).toBe('<tg-emoji emoji-id="5368">👍</tg-emoji> ok');
    expect(
      entitiesToHtml("at 22:45", [
        { type: "date_time", offset: 3, length: 5, unix_time: 1647531900, date_time_format: "wDT" },
      ]),
    ).toBe('at <tg-time unix="1647531900" format="wDT">22:45</tg-time>');
    expect(
      entitiesToHtml("22:45", [
        { type: "date_time", offset: 0, length: 5, unix_time: 1647531900, date_time_format: "" },
      ]),
    ).toBe('<tg-time unix="1647531900">22:45</tg-time>');
  });

  it("leaves auto-detected entities as plain text for Telegram to find again", () => {
    const text = "@herald_bot #event https://x.org/?a=1&b=2";
    expect(
      entitiesToHtml(text, [entity("mention", 0, 11), entity("hashtag", 12, 6), entity("url", 19, 22)]),
    ).toBe("@herald_bot #event https://x.org/?a=1&amp;b=2");
  });

  it("counts offsets in UTF-16 code units, so emoji before an entity do not shift it", () => {
    expect(entitiesToHtml("🎉 Party <now>", [entity("bold", 3, 5)])).toBe("🎉 <b>Party</b> &lt;now&gt;");
    // A flag is two surrogate pairs, four code units.
    expect(entitiesToHtml("🇩🇪👍 Gut", [entity("italic", 7, 3)])).toBe("🇩🇪👍 <i>Gut</i>");
  });

  it("passes placeholders through unchanged, also in link targets", () => {
    expect(entitiesToHtml("Ticket: {ticket_url} & {answer_id}", [entity("bold", 8, 12)])).toBe(
      "Ticket: <b>{ticket_url}</b> &amp; {answer_id}",
    );
    expect(
      entitiesToHtml("your answer", [
        {
          type: "text_link",
          offset: 5,
          length: 6,
          url: "https://forum.example/a/{answer_id}?t=%7Bticket_url%7D",
        },
      ]),
    ).toBe('your <a href="https://forum.example/a/{answer_id}?t={ticket_url}">answer</a>');
  });

  it("moves an entity edge that falls inside a placeholder to the placeholder's edge", () => {
    expect(entitiesToHtml("Hi {answer_id}!", [entity("bold", 0, 6)])).toBe("<b>Hi {answer_id}</b>!");
    expect(entitiesToHtml("Hi {answer_id}!", [entity("italic", 5, 3)])).toBe("Hi <i>{answer_id}</i>!");
    // Braces that are not a placeholder are just text.
    expect(entitiesToHtml("{Not a param}", [entity("bold", 1, 3)])).toBe("{<b>Not</b> a param}");
  });

  it("clamps entities to the text and drops empty ones", () => {
    expect(
      entitiesToHtml("abc", [entity("bold", 1, 10), entity("italic", 0, 0), entity("underline", 5, 2)]),
    ).toBe("a<b>bc</b>");
  });

  it("always produces well-formed HTML that reads back to the same text and formatting", () => {
    const random = seeded(20240601);
    const types: Simple[] = ["bold", "italic", "underline", "strikethrough", "spoiler", "code", "blockquote"];
    const alphabet = ["a", "b", " ", "<", ">", "&", '"', "é", "\n"];

    for (let sample = 0; sample < 300; sample++) {
      const length = 1 + Math.floor(random() * 20);
      const text = Array.from({ length }, () => pick(alphabet, random)).join("");
      const entities: MessageEntity[] = Array.from({ length: Math.floor(random() * 6) }, () => {
        const offset = Math.floor(random() * length);
        const type = pick(types, random);
        const size = 1 + Math.floor(random() * (length - offset));
        return random() < 0.15
          ? { type: "text_link", offset, length: size, url: "https://x.org/?a=1&b=2" }
          : entity(type, offset, size);
      });

      const read = readHtml(entitiesToHtml(text, entities));
      expect(read.text).toBe(text);
      for (let index = 0; index < length; index++) {
        const expected = new Set(
          entities
            .filter((item) => item.offset <= index && index < item.offset + item.length)
            .map((item) => TAG_OF[item.type]),
        );
        expect(read.tags[index], `sample ${sample}, character ${index}`).toEqual(expected);
      }
    }
  });
});

const TAG_OF: Record<string, string> = {
  bold: "b",
  italic: "i",
  underline: "u",
  strikethrough: "s",
  spoiler: "tg-spoiler",
  code: "code",
  blockquote: "blockquote",
  text_link: "a",
};

/**
 * A test-only reader for the HTML above: checks every closing tag matches the open one, and gives back the
 * text with, for each UTF-16 code unit, the set of tags around it.
 */
function readHtml(html: string): { text: string; tags: Set<string>[] } {
  const entitiesByName: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  const open: string[] = [];
  const tags: Set<string>[] = [];
  let text = "";
  for (const token of html.matchAll(/<(\/?)([a-z-]+)[^>]*>|&([a-z]+);|[^<&]/g)) {
    const [whole, closing, tag, entityName] = token;
    if (tag !== undefined) {
      if (closing) {
        const last = open.pop();
        if (last !== tag) throw new Error(`</${tag}> closes <${last}> in ${html}`);
      } else {
        open.push(tag);
      }
      continue;
    }
    const character = entityName === undefined ? whole : entitiesByName[entityName];
    if (character === undefined) throw new Error(`unknown entity ${whole} in ${html}`);
    text += character;
    tags.push(new Set(open));
  }
  if (open.length > 0) throw new Error(`unclosed ${open.join(", ")} in ${html}`);
  return { text, tags };
}

/** A small deterministic generator, so a failing sample can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}
