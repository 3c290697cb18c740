import { describe, expect, it } from "vitest";
import { ApiError, formatText, parseHtml, parseMarkdown, parseMarkdownV2 } from "../../src/sandbox/index.js";

const noUsers = () => undefined;

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the parser to fail");
}

describe("HTML parse_mode", () => {
  it("produces UTF-16 offsets across Cyrillic and astral emoji", () => {
    const r = parseHtml("👋 <b>Привет</b>, <i>мир 🌍</i> <u>u</u><s>s</s>");
    expect(r.text).toBe("👋 Привет, мир 🌍 us");
    expect(r.entities).toEqual([
      { type: "bold", offset: 3, length: 6 },
      { type: "italic", offset: 11, length: 6 },
      { type: "underline", offset: 18, length: 1 },
      { type: "strikethrough", offset: 19, length: 1 },
    ]);
  });

  it("supports every Telegram tag and alias", () => {
    const r = parseHtml(
      '<strong>a</strong><em>b</em><ins>c</ins><strike>d</strike><del>e</del><span class="tg-spoiler">f</span>' +
        '<tg-spoiler>g</tg-spoiler><a href="https://example.com">h</a><code>i</code><pre>j</pre>' +
        '<pre><code class="language-ts">k</code></pre><blockquote>l</blockquote><blockquote expandable>m</blockquote>' +
        '<tg-emoji emoji-id="5368324170671202286">n</tg-emoji><a href="tg://resolve?domain=x">o</a>',
    );
    expect(r.text).toBe("abcdefghijklmno");
    expect(r.entities).toEqual([
      { type: "bold", offset: 0, length: 1 },
      { type: "italic", offset: 1, length: 1 },
      { type: "underline", offset: 2, length: 1 },
      { type: "strikethrough", offset: 3, length: 1 },
      { type: "strikethrough", offset: 4, length: 1 },
      { type: "spoiler", offset: 5, length: 1 },
      { type: "spoiler", offset: 6, length: 1 },
      { type: "text_link", offset: 7, length: 1, url: "https://example.com/" },
      { type: "code", offset: 8, length: 1 },
      { type: "pre", offset: 9, length: 1 },
      { type: "pre", offset: 10, length: 1, language: "ts" },
      { type: "blockquote", offset: 11, length: 1 },
      { type: "expandable_blockquote", offset: 12, length: 1 },
      { type: "custom_emoji", offset: 13, length: 1, custom_emoji_id: "5368324170671202286" },
      { type: "text_link", offset: 14, length: 1, url: "tg://resolve?domain=x" },
    ]);
  });

  it("nests entities and decodes HTML entities", () => {
    const r = parseHtml("<b>x &lt;<i>y&gt;</i></b> &amp; &quot;q&quot; &#65;&#x42; &amp AT&T &copy;");
    expect(r.text).toBe('x <y> & "q" AB & AT&T &copy;');
    expect(r.entities).toEqual([
      { type: "italic", offset: 3, length: 2 },
      { type: "bold", offset: 0, length: 5 },
    ]);
  });

  it("uses Telegram's error texts with UTF-8 byte offsets", () => {
    expect(failure(() => parseHtml("Привет <foo>x</foo>"))).toBe(
      'Unsupported start tag "foo" at byte offset 13',
    );
    expect(failure(() => parseHtml("<b>bold"))).toBe('Can\'t find end tag corresponding to start tag "b"');
    expect(failure(() => parseHtml("<b>x</i>"))).toBe(
      'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    );
    expect(failure(() => parseHtml("x</b>"))).toBe("Unexpected end tag at byte offset 1");
    expect(failure(() => parseHtml("1 < 2"))).toBe('Unsupported start tag "" at byte offset 2');
    expect(failure(() => parseHtml("a <b"))).toBe("Unclosed start tag at byte offset 2");
    expect(failure(() => parseHtml('<span class="x">y</span>'))).toBe(
      'Tag "span" must have class "tg-spoiler" at byte offset 0',
    );
  });

  it("drops links Telegram cannot use and adds http:// to bare hosts", () => {
    const r = parseHtml(
      '<a href="javascript:alert(1)">x</a> <a href="example.com/p">y</a> <a href="mailto:a@b.c">z</a>',
    );
    expect(r.entities).toEqual([
      { type: "text_link", offset: 2, length: 1, url: "http://example.com/p" },
      { type: "text_link", offset: 4, length: 1, url: "mailto:a@b.c" },
    ]);
  });

  it("turns tg://user links to known users into text_mention", () => {
    const user = { id: 100000001, is_bot: false as const, first_name: "Ann" };
    const r = parseHtml('<a href="tg://user?id=100000001">Ann</a>', (id) =>
      id === user.id ? user : undefined,
    );
    expect(r.entities).toEqual([{ type: "text_mention", offset: 0, length: 3, user }]);
  });
});

describe("MarkdownV2 parse_mode", () => {
  it("parses the common entities", () => {
    const r = parseMarkdownV2(
      "*bold* _italic_ __under__ ~strike~ ||spoiler|| `code` [link](https://example.com/a\\)b) ```python\nprint(1)\n```",
    );
    expect(r.text).toBe("bold italic under strike spoiler code link print(1)\n");
    expect(r.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
      { type: "italic", offset: 5, length: 6 },
      { type: "underline", offset: 12, length: 5 },
      { type: "strikethrough", offset: 18, length: 6 },
      { type: "spoiler", offset: 25, length: 7 },
      { type: "code", offset: 33, length: 4 },
      { type: "text_link", offset: 38, length: 4, url: "https://example.com/a)b" },
      { type: "pre", offset: 43, length: 9, language: "python" },
    ]);
  });

  it("requires reserved characters to be escaped", () => {
    expect(failure(() => parseMarkdownV2("Hello. World"))).toBe(
      "Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(failure(() => parseMarkdownV2("a-b"))).toBe(
      "Character '-' is reserved and must be escaped with the preceding '\\'",
    );
    expect(parseMarkdownV2("Hello\\. 1\\+1\\=2\\!").text).toBe("Hello. 1+1=2!");
    expect(failure(() => parseMarkdownV2("*bold"))).toBe("Can't find end of Bold entity at byte offset 0");
    expect(failure(() => parseMarkdownV2("[x](https://a.b"))).toBe(
      "Can't find end of a URL at byte offset 4",
    );
  });

  it("nests entities and supports block quotes", () => {
    const r = parseMarkdownV2("*bold _italic_*\n>quoted\n>lines\nafter");
    expect(r.text).toBe("bold italic\nquoted\nlines\nafter");
    expect(r.entities).toEqual([
      { type: "italic", offset: 5, length: 6 },
      { type: "bold", offset: 0, length: 11 },
      { type: "blockquote", offset: 12, length: 12 },
    ]);
  });
});

describe("legacy Markdown parse_mode", () => {
  it("parses the four classic entities", () => {
    const r = parseMarkdown("*b* _i_ `c` [t](http://x.org) 2\\*2");
    expect(r.text).toBe("b i c t 2*2");
    expect(r.entities.map((e) => e.type)).toEqual(["bold", "italic", "code", "text_link"]);
    expect(failure(() => parseMarkdown("a *b"))).toBe(
      "Can't find end of the entity starting at byte offset 2",
    );
  });
});

describe("formatText", () => {
  it("trims like Telegram and clips entities", () => {
    const r = formatText("  <b> hi </b>\n", "HTML", undefined, noUsers);
    expect(r).toEqual({ text: "hi", entities: [{ type: "bold", offset: 0, length: 2 }] });
  });

  it("rejects unknown parse modes and out-of-bounds explicit entities", () => {
    expect(() => formatText("x", "BBCode", undefined, noUsers)).toThrow(ApiError);
    expect(failure(() => formatText("x", "BBCode", undefined, noUsers))).toBe(
      "Bad Request: unsupported parse_mode",
    );
    expect(
      failure(() => formatText("abc", undefined, [{ type: "bold", offset: 2, length: 5 }], noUsers)),
    ).toMatch(/^Bad Request: can't parse entities: entity 0 .*out of the text bounds/);
    expect(formatText("abc", undefined, '[{"type":"bold","offset":1,"length":2}]', noUsers).entities).toEqual(
      [{ type: "bold", offset: 1, length: 2 }],
    );
  });

  it("prefixes parser errors the way the Bot API does", () => {
    expect(failure(() => formatText("<b>x", "html", undefined, noUsers))).toBe(
      "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    );
  });
});
