import { describe, expect, it } from "vitest";
import { placeholdersIn, renderHtml, renderUrl } from "../../src/messages/render.js";

describe("rendering per-recipient parameters", () => {
  const params = {
    answer_id: "A17",
    name_like: "<b>Tom & Jerry</b>",
    ticket_url: "https://t.example/x?a=1&b=2",
  };

  it("escapes values for Telegram HTML, so data never becomes markup", () => {
    expect(renderHtml("<b>Заявка {answer_id}</b>: {name_like}", params)).toBe(
      "<b>Заявка A17</b>: &lt;b&gt;Tom &amp; Jerry&lt;/b&gt;",
    );
  });

  it("renders a missing value as empty and leaves non-placeholders alone", () => {
    expect(renderHtml("[{track}] {Not_a_param} {}", params)).toBe("[] {Not_a_param} {}");
  });

  it("keeps a whole-URL parameter exactly as sent, and encodes one inside a URL", () => {
    expect(renderUrl("{ticket_url}", params)).toBe("https://t.example/x?a=1&b=2");
    expect(renderUrl("https://forum.example/a/{answer_id}?n={name_like}", params)).toBe(
      "https://forum.example/a/A17?n=%3Cb%3ETom%20%26%20Jerry%3C%2Fb%3E",
    );
  });

  it("lists the placeholders a template uses", () => {
    expect(placeholdersIn("{a} {b_2} {a} {B}")).toEqual(["a", "b_2"]);
  });
});
