import { describe, expect, it } from "vitest";
import { parseButtons } from "../../src/messages/buttons.js";
import { missingParams, placeholdersOfContent } from "../../src/messages/content-params.js";
import { entitiesToHtml } from "../../src/messages/entities.js";
import { placeholdersIn, render, renderHtml, renderText, renderUrl } from "../../src/messages/render.js";

describe("placeholder fallbacks", () => {
  it("uses the fallback when the recipient lacks the value (absent or empty), the value otherwise", () => {
    expect(renderHtml("ваш зал — {track|main hall}.", {})).toBe("ваш зал — main hall.");
    expect(renderHtml("ваш зал — {track|main hall}.", { track: "" })).toBe("ваш зал — main hall.");
    expect(renderHtml("ваш зал — {track|main hall}.", { track: "B" })).toBe("ваш зал — B.");
    expect(renderHtml("ваш зал — {track}.", { track: "B" })).toBe("ваш зал — B.");
    expect(renderHtml("ваш зал — {track}.", {})).toBe("ваш зал — .");
  });

  it("escapes a fallback like a value, reading it as the HTML it is written in", () => {
    expect(renderHtml("{who|Tom &amp; <Jerry>}", {})).toBe("Tom &amp; &lt;Jerry&gt;");
    expect(renderHtml('<a href="https://s.example/?h={hall|main hall}">x</a>', {})).toBe(
      '<a href="https://s.example/?h=main%20hall">x</a>',
    );
    expect(renderText("Зал {hall|главный}", {})).toBe("Зал главный");
    expect(renderUrl("https://s.example/{hall|main hall}", {})).toBe("https://s.example/main%20hall");
  });

  it("counts a placeholder with a fallback as used, and as missing only without one", () => {
    expect(placeholdersIn("{a|x} {b}")).toEqual(["a", "b"]);
    const content = {
      kind: "text" as const,
      html: "{name}, ваш зал — {track|main hall}",
      buttons: [[{ text: "Билет", url: "{ticket_url}" }]],
      localized: { en: { html: "{name}, hall {hall}" } },
    };
    expect(placeholdersOfContent(content)).toEqual(["name", "track", "ticket_url"]);
    expect(missingParams(content, {})).toEqual(["name", "ticket_url"]);
    expect(missingParams(content, { name: "Ann", ticket_url: "https://t.example/1" })).toEqual([]);
    expect(missingParams(content, { name: "Ann" }, "en")).toEqual(["hall", "ticket_url"]);
    expect(missingParams({ kind: "copy", fromChatId: 1, messageId: 2 }, {})).toEqual([]);
  });

  it("keeps a button whose link falls back, and accepts a fallback with spaces in a button URL", () => {
    const message = render(
      { kind: "text", html: "hi", buttons: [[{ text: "Зал", url: "https://s.example/{hall|main hall}" }]] },
      {},
    );
    expect(message.buttons).toEqual([[{ text: "Зал", url: "https://s.example/main%20hall" }]]);
    expect(parseButtons("Зал - https://s.example/{hall|main hall}").ok).toBe(true);
    expect(parseButtons("Зал - https://s.example/a b").ok).toBe(false);
  });

  it("reads a fallback back from a link Telegram percent-encoded", () => {
    expect(
      entitiesToHtml("see", [
        { type: "text_link", offset: 0, length: 3, url: "https://s.example/?h=%7Bhall%7Cmain%20hall%7D" },
      ]),
    ).toBe('<a href="https://s.example/?h={hall|main hall}">see</a>');
  });
});
