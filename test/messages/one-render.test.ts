import type { Api } from "grammy";
import { describe, expect, it } from "vitest";
import { sendRendered } from "../../src/delivery/send-content.js";
import type { OutgoingMessage } from "../../src/messages/outgoing.js";
import { prefill, render } from "../../src/messages/render.js";
import { bindConflictAlert, rejectionMessage, ticketMessage } from "../../src/messages/transactional.js";
import { parseHtml } from "../../src/sandbox/html-entities.js";

describe("one content model, one render", () => {
  it("renders a ticket as before: the link escaped in the text and byte for byte on the button", () => {
    const url = 'https://t.example/x?a=1&b="2"';
    expect(ticketMessage("ru", { answerId: "A<1>", ticketUrl: url, replaced: false })).toEqual({
      html:
        "🎫 <b>Ваш билет на мероприятие</b>\n\nЗаявка № A&lt;1&gt; одобрена. Билет — по ссылке (та же ссылка " +
        'пришла вам на почту):\nhttps://t.example/x?a=1&amp;b="2"',
      buttons: [[{ text: "Открыть билет", url }]],
    });
  });

  it("renders decisions and alerts that parse whatever the note or answer says", () => {
    const rejected = rejectionMessage("en", { answerId: "7", note: 'no <seats> & "sorry"' });
    expect(rejected).toEqual({
      html: 'Unfortunately, application no. 7 did not pass moderation.\n\nThe organisers\' note:\nno &lt;seats&gt; &amp; "sorry"',
    });
    expect(rejectionMessage("en", { answerId: "7", note: null }).html).toBe(
      "Unfortunately, application no. 7 did not pass moderation.",
    );
    const alert = bindConflictAlert({ answerId: "</code>", telegramId: 2, ownerId: 1 });
    expect(parseHtml(alert.html).text).toContain("Заявка № </code> уже связана с Telegram ID 1;");
  });

  it("picks the recipient's translation, keeps a photo or a copy as what it is", () => {
    const text = { kind: "text" as const, html: "Привет, {name}", localized: { en: { html: "Hi, {name}" } } };
    expect(render(text, { name: "Ann" }, "en")).toEqual({ html: "Hi, Ann" });
    expect(render(text, { name: "Аня" }, "ru")).toEqual({ html: "Привет, Аня" });
    expect(render({ kind: "photo", photo: "F", captionHtml: "<i>{name}</i>" }, { name: "&" })).toEqual({
      kind: "photo",
      photo: "F",
      captionHtml: "<i>&amp;</i>",
    });
    expect(render({ kind: "copy", fromChatId: 1, messageId: 2 }, {})).toEqual({
      kind: "copy",
      fromChatId: 1,
      messageId: 2,
    });
  });

  it("fills only the known values ahead of the send, leaving the rest for each recipient", () => {
    const content = prefill(
      {
        kind: "text",
        html: '<a href="{live_url}">эфир</a> {answer_id}',
        buttons: [
          [
            { text: "Смотреть", url: "{live_url}" },
            { text: "{answer_id}", url: "https://x.example/{answer_id}" },
          ],
        ],
      },
      { live_url: "https://live.example/?a=1&b=2" },
    );
    expect(content.html).toBe('<a href="https://live.example/?a=1&amp;b=2">эфир</a> {answer_id}');
    expect(content.buttons).toEqual([
      [
        { text: "Смотреть", url: "https://live.example/?a=1&b=2" },
        { text: "{answer_id}", url: "https://x.example/{answer_id}" },
      ],
    ]);
  });

  it("sends an outbox payload stored before photos could be stored (no kind) as text", async () => {
    const calls: unknown[][] = [];
    const api = {
      sendMessage: async (...args: unknown[]) => {
        calls.push(args);
        return { message_id: 5 };
      },
    } as unknown as Api;
    const stored = JSON.parse('{"html":"<b>hi</b>","buttons":[[{"text":"t","url":"https://x.example/"}]]}');
    expect(await sendRendered(api, 42, stored as OutgoingMessage, { silent: true })).toBe(5);
    expect(calls[0]?.slice(0, 3)).toEqual([
      42,
      "<b>hi</b>",
      {
        disable_notification: true,
        reply_markup: { inline_keyboard: [[{ text: "t", url: "https://x.example/" }]] },
        parse_mode: "HTML",
      },
    ]);
  });
});
