import { describe, expect, it } from "vitest";
import { parseButtons, placeholdersInButtons } from "../../src/messages/buttons.js";

describe("parseButtons", () => {
  it("reads one button", () => {
    expect(parseButtons("Site - https://example.org")).toEqual({
      ok: true,
      rows: [[{ text: "Site", url: "https://example.org" }]],
    });
  });

  it("reads several rows and several buttons per row, skipping blank lines", () => {
    const input = [
      "",
      "  Ticket - {ticket_url} && Site | https://example.org/?a=1&&b=2  ",
      "   ",
      "Chat - tg://resolve?domain=herald_bot",
    ].join("\r\n");
    expect(parseButtons(input)).toEqual({
      ok: true,
      rows: [
        [
          { text: "Ticket", url: "{ticket_url}" },
          { text: "Site", url: "https://example.org/?a=1&&b=2" },
        ],
        [{ text: "Chat", url: "tg://resolve?domain=herald_bot" }],
      ],
    });
  });

  it("splits at the last separator, so labels may contain one", () => {
    expect(parseButtons("Q&A - day 1 | https://example.org/qa")).toEqual({
      ok: true,
      rows: [[{ text: "Q&A - day 1", url: "https://example.org/qa" }]],
    });
  });

  it("accepts placeholders in URLs and labels", () => {
    const parsed = parseButtons(
      "Answer {answer_id} - https://forum.example/a/{answer_id}\nTicket - {ticket_url} && Map - http://{host}/map",
    );
    expect(parsed).toEqual({
      ok: true,
      rows: [
        [{ text: "Answer {answer_id}", url: "https://forum.example/a/{answer_id}" }],
        [
          { text: "Ticket", url: "{ticket_url}" },
          { text: "Map", url: "http://{host}/map" },
        ],
      ],
    });
    expect(parsed.ok && placeholdersInButtons(parsed.rows)).toEqual(["answer_id", "ticket_url", "host"]);
  });

  it("gives no rows for empty input", () => {
    expect(parseButtons(" \n\n")).toEqual({ ok: true, rows: [] });
  });

  it("reports a missing separator with its 1-based line number", () => {
    expect(parseButtons("\nSite https://example.org")).toEqual({
      ok: false,
      errors: [{ line: 2, reason: 'no " - " between the label and the link in "Site https://example.org"' }],
    });
  });

  it("rejects links that are not http(s) or tg", () => {
    expect(parseButtons("Files - ftp://x")).toEqual({
      ok: false,
      errors: [{ line: 1, reason: '"ftp://x" is not an http(s) or tg link' }],
    });
    expect(parseButtons("Run - javascript:alert(1)")).toEqual({
      ok: false,
      errors: [{ line: 1, reason: '"javascript:alert(1)" is not an http(s) or tg link' }],
    });
  });

  it("rejects what is not a link at all, or a mistyped placeholder", () => {
    expect(
      parseButtons("A - example.org\nB - {Ticket_URL}\nC - https://x.org/a b\nD - {ticket_url}/x"),
    ).toEqual({
      ok: false,
      errors: [
        { line: 1, reason: '"example.org" is not a valid link' },
        {
          line: 2,
          reason: '"{Ticket_URL}" has a placeholder that is not lowercase letters, digits and _ in braces',
        },
        { line: 3, reason: '"https://x.org/a b" has a space in it' },
        { line: 4, reason: '"{ticket_url}/x" is not a valid link' },
      ],
    });
  });

  it("rejects an empty label, a missing link and an empty button", () => {
    expect(parseButtons("- https://x.org\nSite -\nA - https://x.org &&")).toEqual({
      ok: false,
      errors: [
        { line: 1, reason: 'the button for "https://x.org" has no label' },
        { line: 2, reason: 'the button "Site" has no link' },
        { line: 3, reason: 'there is an empty button around "&&"' },
      ],
    });
  });

  it("allows labels up to 64 characters, counting an emoji once", () => {
    const longest = `🎟${"a".repeat(63)}`;
    expect(parseButtons(`${longest} - https://x.org`)).toEqual({
      ok: true,
      rows: [[{ text: longest, url: "https://x.org" }]],
    });
    expect(parseButtons(`${longest}b - https://x.org`)).toEqual({
      ok: false,
      errors: [{ line: 1, reason: `the label "${longest}b" is longer than 64 characters` }],
    });
  });

  it("allows at most 8 buttons in a row", () => {
    const row = (count: number) =>
      Array.from({ length: count }, (_, i) => `B${i} - https://x.org/${i}`).join(" && ");
    const eight = parseButtons(row(8));
    expect(eight.ok && eight.rows[0]?.length).toBe(8);
    expect(parseButtons(row(9))).toEqual({
      ok: false,
      errors: [{ line: 1, reason: "the row has 9 buttons, but at most 8 fit in one row" }],
    });
  });

  it("allows at most 10 rows, reporting the line of the first one too many", () => {
    const lines = (count: number) => Array.from({ length: count }, (_, i) => `B${i} - https://x.org/${i}`);
    const ten = parseButtons(lines(10).join("\n"));
    expect(ten.ok && ten.rows.length).toBe(10);
    expect(parseButtons(["", ...lines(12)].join("\n"))).toEqual({
      ok: false,
      errors: [{ line: 12, reason: "there are more than 10 rows of buttons" }],
    });
  });
});

describe("placeholdersInButtons", () => {
  it("lists each placeholder once, from labels and links", () => {
    expect(
      placeholdersInButtons([
        [{ text: "Hi {name}", url: "{ticket_url}" }],
        [{ text: "{name}", url: "https://x.org/{answer_id}?t={ticket_url}" }],
      ]),
    ).toEqual(["name", "ticket_url", "answer_id"]);
    expect(placeholdersInButtons([])).toEqual([]);
  });
});
