import { describe, expect, it } from "vitest";
import { parseButtons } from "../../src/messages/buttons.js";
import { renderUrl } from "../../src/messages/render.js";
import { buttonUrlProblem, MAX_BUTTON_URL_LENGTH } from "../../src/messages/telegram-url.js";

/** Links a tester sent as ticket links, each answered "200 queued" and then refused by Telegram. */
const REFUSED_LINKS: Array<[string, RegExp]> = [
  ["https://[tickets.example.org/t/1", /is not a valid link/],
  ["http://:::", /is not a valid link/],
  ["https://example.org:99999/t", /is not a valid link \(check the host and the port\)/],
  ["https://<script>alert(1)</script>", /has a quote .* or an angle bracket/],
  ['https://tickets.example.org/t/1?n="x"', /has a quote/],
  ["https://tickets.example.org/t/`1`", /has a quote/],
  ["http://localhost:8080/t/1", /has host "localhost" with no dot in it/],
  ["https:///t/1", /has host "t" with no dot in it/],
];

describe("buttonUrlProblem: a link Telegram takes on a URL button", () => {
  it.each(REFUSED_LINKS)("refuses %j", (url, reason) => {
    expect(buttonUrlProblem(url)).toMatch(reason);
  });

  it.each([
    ["https://tickets.example.org/t/1\tx", /has a space in it/],
    ["https://tickets.example.org/t/1\n", /has a space in it/],
    ["https://tickets.example.org/t/\u0000", /has a control character/],
    ["https://tickets.example.org/t/'1'", /has a quote/],
    ["https://tickets.example.org/t/>", /angle bracket/],
    ["https://tickets.example.org\\t\\1", /has a backslash/],
    ["https:tickets.example.org/t/1", /does not start with http:\/\/ or https:\/\//],
    ["ftp://tickets.example.org/t/1", /does not start with http:\/\/ or https:\/\//],
    ["javascript:alert(1)", /does not start with http/],
    ["https://tickets.example.org:0/t", /has port 0/],
    ["https://tickets..example.org/t", /is not a domain name/],
    ["https://tickets.example.org./t", /is not a domain name/],
    ["https://-tickets.example.org/t", /is not a domain name/],
    ["https://tick_ets.example.org/t", /is not a domain name/],
    ["http://[::1/t", /is not a valid link/],
    ["", /is empty/],
  ])("refuses %j", (url, reason) => {
    expect(buttonUrlProblem(url)).toMatch(reason);
  });

  it.each([
    "https://tickets.example.org/t/1",
    "http://tickets.example.org",
    "HTTPS://Tickets.Example.org/T/1",
    "https://билеты.пример.рф/t/1",
    "https://tickets.example.org:8443/t/1",
    "https://tickets.example.org/t/1?name=a%20b&x=%3C1%3E#top",
    "http://[2001:db8::1]:8443/t/1",
    "http://192.0.2.10/t/1",
    "https://user@tickets.example.org/t/1",
    "https://tickets.example.org/билет/1",
  ])("takes %j", (url) => {
    expect(buttonUrlProblem(url)).toBeUndefined();
  });

  it("takes a link of 2048 characters and refuses one of 2049", () => {
    const base = "https://tickets.example.org/t/";
    const longest = base + "a".repeat(MAX_BUTTON_URL_LENGTH - base.length);
    expect(buttonUrlProblem(longest)).toBeUndefined();
    expect(buttonUrlProblem(`${longest}b`)).toBe("is longer than 2048 characters");
    // Counted in characters, as the webhook's schema counts them.
    const cyrillic = base + "б".repeat(MAX_BUTTON_URL_LENGTH - base.length);
    expect(buttonUrlProblem(cyrillic)).toBeUndefined();
  });

  it("judges everything but the host when a placeholder fills the host later", () => {
    expect(buttonUrlProblem("http://x/map", { hostFilledLater: true })).toBeUndefined();
    expect(buttonUrlProblem("http://x/<map>", { hostFilledLater: true })).toMatch(/angle bracket/);
  });
});

describe("the organisers' buttons and per-recipient links follow the same rule", () => {
  it("refuses a button link Telegram would refuse, naming the link", () => {
    expect(
      parseButtons(
        "A - http://localhost/t\nB - https://x.org/<b>\nC - https://x.org:0/\nD - http://{host}/map",
      ),
    ).toEqual({
      ok: false,
      errors: [
        {
          line: 1,
          reason: '"http://localhost/t" has host "localhost" with no dot in it: use the full domain name',
        },
        { line: 2, reason: '"https://x.org/<b>" has a quote (" \' `) or an angle bracket (< >) in it' },
        { line: 3, reason: '"https://x.org:0/" has port 0, which no server listens on' },
      ],
    });
  });

  it("drops a button whose whole link is a recipient's value Telegram would refuse", () => {
    expect(renderUrl("{site}", { site: "https://forum.example.org/a" })).toBe("https://forum.example.org/a");
    expect(renderUrl("{site}", { site: "http://localhost/a" })).toBe("");
    expect(renderUrl("{site}", { site: "https://forum.example.org/<a>" })).toBe("");
  });
});
