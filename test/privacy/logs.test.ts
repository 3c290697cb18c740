import { GrammyError } from "grammy";
import { describe, expect, it } from "vitest";
import { stripPersonal } from "../../src/bot/strip-personal.js";
import { PERSONAL_FIELDS } from "../../src/telegram-personal-fields.js";
import { TEST_TOKEN } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";

const PERSON = { first_name: "Эльвира", last_name: "Щукинова", username: "elvira_shch_482" };
const NEEDLES = ["Эльвира", "Щукинова", "elvira_shch_482", "79161234567", "Контактина", "kontaktina"];
const contact = {
  phone_number: "+79161234567",
  first_name: "Контактина",
  vcard: "BEGIN:VCARD\nEMAIL:kontaktina@example.org\nEND:VCARD",
};

describe("log lines", () => {
  it("carry no names, usernames or phones, however deep an update hides in what is logged", () => {
    const logs = collectLogs([TEST_TOKEN]);
    const update = {
      update_id: 1,
      message: {
        message_id: 2,
        date: 1,
        from: { id: 42, is_bot: false, ...PERSON },
        chat: { id: 42, type: "private", ...PERSON, active_usernames: ["elvira_shch_482"] },
        contact,
        forward_origin: { type: "hidden_user", date: 1, sender_user_name: "Эльвира Щукинова" },
      },
    };
    // What a careless log call could pass: a handler's error with the context it failed in...
    logs.logger.error(
      { err: Object.assign(new Error("handler failed"), { ctx: { update } }) },
      "update failed",
    );
    // ...a refusal of a call whose payload names someone (grammY keeps it on the error)...
    const refused = new GrammyError(
      "Call to 'sendContact' failed!",
      { ok: false, error_code: 400, description: "Bad Request: chat not found" },
      "sendContact",
      { chat_id: 42, ...contact },
    );
    logs.logger.warn({ err: refused }, "could not send");
    // ...or an update itself, as a child logger's binding.
    logs.logger.child({ update }).info("with the update bound");
    logs.logger.debug({ deep: { a: { b: { c: { phone_number: 79161234567 } } } } }, "a phone as a number");

    const text = logs.text();
    expect(logs.lines).toHaveLength(4);
    expect(NEEDLES.filter((needle) => text.includes(needle))).toEqual([]);
    // Lines stay JSON, with the ids and what is not about a person.
    const [failed, warned, bound] = logs.records();
    expect(failed).toMatchObject({
      err: {
        ctx: {
          update: { message: { from: { id: 42, first_name: "[redacted]" }, chat: { type: "private" } } },
        },
      },
    });
    expect(warned).toMatchObject({
      err: { method: "sendContact", payload: { chat_id: 42, phone_number: "[redacted]" } },
    });
    expect(bound).toMatchObject({ update: { message: { contact: { vcard: "[redacted]" } } } });
  });

  it("keep what is not a person's: the bot's identity, texts that merely contain the word", () => {
    const logs = collectLogs([TEST_TOKEN]);
    logs.logger.info({ bot: "herald_test_bot", id: 123 }, "bot identity known");
    logs.logger.info({ usernames_seen: 3, note: 'the field "username" is never logged' }, "counted");
    expect(logs.records()).toMatchObject([
      { bot: "herald_test_bot", id: 123 },
      { usernames_seen: 3, note: 'the field "username" is never logged' },
    ]);
  });

  it("clear a group's title, a forward's signature and a birthday deep in an error, not a broadcast's title", () => {
    const logs = collectLogs([TEST_TOKEN]);
    const update = {
      update_id: 3,
      message: {
        message_id: 4,
        date: 1,
        from: { id: 42, is_bot: false, first_name: "x" },
        chat: { id: -100, type: "supergroup", title: "Штаб Xqvzgroup" },
        forward_signature: "Эльвира",
        text: "Doors open",
      },
    };
    const fullChat = { id: 42, type: "private", birthdate: { day: 4, month: 12, year: 1990 } };
    logs.logger.error(
      { err: Object.assign(new Error("handler failed"), { ctx: { update, fullChat } }) },
      "update failed",
    );
    logs.logger.info({ broadcast: { id: 1, title: "Doors open at 10:00", status: "draft" } }, "launched");

    const text = logs.text();
    expect(["Xqvzgroup", "Эльвира", "1990"].filter((needle) => text.includes(needle))).toEqual([]);
    const [failed, launched] = logs.records();
    expect(failed).toMatchObject({
      err: {
        ctx: {
          update: {
            message: {
              chat: { id: -100, type: "supergroup", title: "[redacted]" },
              forward_signature: "[redacted]",
              text: "Doors open",
            },
          },
          fullChat: { id: 42, birthdate: "[redacted]" },
        },
      },
    });
    expect(launched).toMatchObject({ broadcast: { id: 1, title: "Doors open at 10:00" } });
  });

  it("clear every field the dialog storage strips, at any depth, from the one list both use", () => {
    const logs = collectLogs();
    for (const field of PERSONAL_FIELDS) {
      const user = { id: 42, is_bot: false, [field]: "Zyxwvuta" };
      // The storage drops or empties it...
      expect(JSON.stringify(stripPersonal(user))).not.toContain("Zyxwvuta");
      // ...and the logger clears it, however deep.
      logs.logger.info({ a: { b: { c: { d: { user } } } } }, field);
    }
    expect(logs.lines).toHaveLength(PERSONAL_FIELDS.length);
    expect(logs.text()).not.toContain("Zyxwvuta");
  });
});
