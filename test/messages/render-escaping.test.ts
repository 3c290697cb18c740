import { describe, expect, it } from "vitest";
import { render, renderHtml, renderUrl } from "../../src/messages/render.js";
import { parseHtml } from "../../src/sandbox/html-entities.js";
import { isButtonUrl } from "../../src/sandbox/links.js";

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

const PIECES = [
  '"',
  "'",
  "<",
  ">",
  "&",
  "#",
  "?",
  " ",
  "\n",
  "\t",
  "/",
  "=",
  "%",
  "%7B",
  "&amp;",
  "&quot;",
  "&#34;",
  "</a>",
  "<b>",
  '"><b>',
  "{other}",
  "{track}",
  "{x|y}",
  "{",
  "}",
  "|",
  "ё",
  "зал",
  "😀",
  "\u200d",
  "\uD800",
  "\0",
  "a",
  "Z",
  "9",
  "\\",
  "`",
  "+",
  ";",
] as const;

function hostile(rng: ReturnType<typeof random>): string {
  let value = "";
  const length = Math.floor(rng.next() * 8);
  for (let i = 0; i < length; i++) value += rng.pick(PIECES);
  return value;
}

/** What a recipient should see for a value: Herald drops NUL and mends a lone surrogate. */
function intended(value: string): string {
  return value
    .replaceAll("\0", "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

const RUNS = 400;

describe("render escapes every value for where it lands (property, seeded)", () => {
  it("a value in text parses and reads back exactly", () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = random(seed);
      const name = hostile(rng);
      const html = renderHtml("<b>Привет, {name}!</b> {name}", { name });
      const parsed = parseHtml(html);
      expect(parsed.text, `seed ${seed}`).toBe(`Привет, ${intended(name)}! ${intended(name)}`);
      expect(
        parsed.entities.filter((e) => e.type === "bold"),
        `seed ${seed}`,
      ).toHaveLength(1);
    }
  });

  it("a value in a link's query or path parses and its href decodes back to the value", () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = random(seed);
      const track = hostile(rng);
      const html = renderHtml('Смотрите <a href="https://site.example/p/{track}?n={track}&amp;x=1">тут</a>', {
        track,
      });
      const { entities } = parseHtml(html);
      const link = entities.find((e) => e.type === "text_link");
      expect(link && "url" in link, `seed ${seed}`).toBe(true);
      const url = new URL((link as { url: string }).url);
      const segment = url.pathname.slice("/p/".length);
      expect(decodeURIComponent(segment), `seed ${seed}`).toBe(intended(track));
      expect(url.searchParams.get("n"), `seed ${seed}`).toBe(intended(track));
      expect(url.searchParams.get("x"), `seed ${seed}`).toBe("1");
    }
  });

  it("a whole href is the value itself, exactly, even with quotes and ampersands", () => {
    let exact = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = random(seed);
      const ticket = `https://tickets.example/t/${hostile(rng)}?a=1&b="${hostile(rng)}"#${hostile(rng)}`;
      const html = renderHtml('<a href="{ticket_url}">Билет</a> для {name}', {
        ticket_url: ticket,
        name: hostile(rng),
      });
      const { entities } = parseHtml(html);
      const link = entities.find((e) => e.type === "text_link") as { url: string } | undefined;
      // Telegram drops a link it cannot use; the message itself must still parse, and a usable one is exact.
      if (link) expect(link.url, `seed ${seed}`).toBe(intended(ticket).trim());
      if (link) exact++;
    }
    expect(exact).toBeGreaterThan(RUNS / 2);
  });

  it("a fallback stands in for a missing value and is escaped like one", () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = random(seed);
      const fallback = hostile(rng).replace(/[{}]/g, "");
      const html = renderHtml(`ваш зал — {track|${asHtml(fallback)}}.`, {});
      expect(parseHtml(html).text, `seed ${seed}`).toBe(`ваш зал — ${intended(fallback)}.`);
      const attribute = asHtml(fallback).replaceAll('"', "&quot;");
      const linked = parseHtml(renderHtml(`<a href="https://s.example/?h={hall|${attribute}}">зал</a>`, {}));
      const url = (linked.entities[0] as { url: string } | undefined)?.url ?? "";
      expect(new URL(url).searchParams.get("h"), `seed ${seed}`).toBe(intended(fallback));
      const button = render(
        { kind: "text", html: "x", buttons: [[{ text: "b", url: `https://s.example/{hall|${fallback}}` }]] },
        {},
      );
      const buttonUrl = button.buttons?.[0]?.[0]?.url ?? "";
      if (fallback !== "")
        expect(decodeURIComponent(new URL(buttonUrl).pathname.slice(1)), `seed ${seed}`).toBe(
          intended(fallback),
        );
    }
  });

  it("button URLs from a template are valid links whose placeholders decode back; {ticket_url} is kept byte for byte", () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = random(seed);
      const track = hostile(rng);
      const ticket = `https://tickets.example/${encodeURIComponent(intended(hostile(rng)))}?a=1&b=2`;
      const message = render(
        {
          kind: "text",
          html: "{name}",
          buttons: [
            [
              { text: "Зал {track}", url: "https://site.example/hall/{track}?n={track}#{track}" },
              { text: "Билет", url: "{ticket_url}" },
            ],
          ],
        },
        { track, ticket_url: ticket, name: hostile(rng) },
      );
      expect(() => parseHtml(message.html), `seed ${seed}`).not.toThrow();
      const [hall, own] = message.buttons?.[0] ?? [];
      expect(own?.url, `seed ${seed}`).toBe(ticket);
      expect(hall && isButtonUrl(hall.url), `seed ${seed}`).toBe(true);
      const url = new URL(hall?.url ?? "");
      expect(decodeURIComponent(url.pathname.slice("/hall/".length)), `seed ${seed}`).toBe(intended(track));
      expect(url.searchParams.get("n"), `seed ${seed}`).toBe(intended(track));
      expect(decodeURIComponent(url.hash.slice(1)), `seed ${seed}`).toBe(intended(track));
    }
  });

  it("a value never becomes a placeholder, a tag or an attribute", () => {
    const html = renderHtml('<a href="https://s.example/?q={q}" title="{q}">{q}</a>', {
      q: '{q}" onclick="x',
    });
    expect(html).toBe(
      '<a href="https://s.example/?q=%7Bq%7D%22%20onclick%3D%22x" title="{q}&quot; onclick=&quot;x">{q}" onclick="x</a>',
    );
    expect(renderUrl("{site}", { site: "javascript:alert(1)" })).toBe("");
    expect(renderUrl("{site}", { site: "https://ok.example/a" })).toBe("https://ok.example/a");
  });
});

function asHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
