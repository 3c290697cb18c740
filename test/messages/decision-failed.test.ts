import { describe, expect, it } from "vitest";
import { decisionFailedAlert, reasonForOrganisers } from "../../src/messages/transactional.js";

describe("the organisers' report of a ticket Telegram refused", () => {
  it("gives the answer number and Telegram's reason, escaped, in the organisers' language", () => {
    const reason = "Bad Request: can't parse entities: <b> & co";
    expect(decisionFailedAlert("ru", { answerId: "A7", kind: "ticket", reason }).html).toBe(
      "⚠️ <b>Билет не доставлен</b>\nЗаявка № A7: Telegram не принял сообщение с билетом — " +
        "Bad Request: can't parse entities: &lt;b&gt; &amp; co\n" +
        'Участник билет не получил. Если дело в ссылке, пришлите решение с новой ссылкой и "replace": true; ' +
        "иначе свяжитесь с участником другим способом.",
    );
    expect(
      decisionFailedAlert("en", { answerId: "A7", kind: "rejection", reason: "Bad Request: chat not found" })
        .html,
    ).toBe(
      "⚠️ <b>Decision not delivered</b>\nApplication no. A7: Telegram refused the rejection message — " +
        "Bad Request: chat not found\nThe attendee did not get it: reach them another way.",
    );
  });

  it("leaves out a link Telegram quotes and cuts a long reason", () => {
    expect(
      reasonForOrganisers(
        "Bad Request: inline keyboard button URL 'https://tickets.example.org/t/1?who=Ann%20Lee' is invalid: Wrong HTTP URL",
      ),
    ).toBe("Bad Request: inline keyboard button URL '…' is invalid: Wrong HTTP URL");
    expect(reasonForOrganisers(`Bad Request: ${"x".repeat(400)}`)).toHaveLength(301);
    expect(reasonForOrganisers("Bad Request: chat not found")).toBe("Bad Request: chat not found");
  });
});
