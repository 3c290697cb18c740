import { Api, Context } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { describe, expect, it } from "vitest";
import { stripPersonal } from "../../src/bot/strip-personal.js";

const PERSON = { first_name: "Эльвира", last_name: "Щукинова", username: "elvira_shch_482" };
const NAMES = ["Эльвира", "Щукинова", "elvira_shch_482", "Zyxwvuta", "zz_unique_handle_931", "+79161234567"];
const herald = { id: 900, is_bot: true, first_name: "Herald", username: "herald_test_bot" };

/** Every distinctive string still in a value, as it would be written to the database. */
const leftIn = (value: unknown) => NAMES.filter((name) => JSON.stringify(value).includes(name));

const privateMessage: Update = {
  update_id: 1,
  message: {
    message_id: 5,
    date: 1_700_000_000,
    from: { id: 42, is_bot: false, ...PERSON, language_code: "ru", is_premium: true },
    chat: { id: 42, type: "private", ...PERSON },
    text: "Doors open at 10:00, @zz_unique_handle_931",
    entities: [{ type: "mention", offset: 22, length: 21 }],
  },
};

describe("stripPersonal", () => {
  it("keeps what a dialog reads of a private message, without the sender's names", () => {
    const stripped = stripPersonal(privateMessage);
    expect(stripped).toEqual({
      update_id: 1,
      message: {
        message_id: 5,
        date: 1_700_000_000,
        from: { id: 42, is_bot: false, first_name: "", language_code: "ru", is_premium: true },
        chat: { id: 42, type: "private", first_name: "" },
        // What the organiser wrote is the dialog's content, not a field about a person.
        text: "Doors open at 10:00, @zz_unique_handle_931",
        entities: [{ type: "mention", offset: 22, length: 21 }],
      },
    });
    // Nothing is changed in place: the plugin keeps using the state it handed over.
    expect(privateMessage.message?.from?.first_name).toBe("Эльвира");
  });

  it("keeps a button press's data, the bot's own message and the group, without names or title", () => {
    const press: Update = {
      update_id: 2,
      callback_query: {
        id: "77",
        from: { id: 42, is_bot: false, ...PERSON, language_code: "en" },
        chat_instance: "ci",
        data: "d:launch:3",
        message: {
          message_id: 9,
          date: 1_700_000_001,
          from: herald,
          chat: { id: -100, type: "group", title: "Эльвира и Ко" },
          text: "Above: the message",
          reply_markup: { inline_keyboard: [[{ text: "Launch", callback_data: "d:launch:3" }]] },
        },
      },
    };
    const stripped = stripPersonal(press);
    expect(stripped.callback_query?.from).toEqual({
      id: 42,
      is_bot: false,
      first_name: "",
      language_code: "en",
    });
    expect(stripped.callback_query?.message?.from).toEqual(herald);
    expect(stripped.callback_query?.message?.chat).toEqual({ id: -100, type: "group", title: "" });
    expect(stripped.callback_query?.data).toBe("d:launch:3");
    expect(stripped.callback_query?.message?.reply_markup).toEqual(
      press.callback_query?.message?.reply_markup,
    );
  });

  it("keeps a shared contact as a contact (same branch on replay), without its person", () => {
    const update: Update = {
      update_id: 3,
      message: {
        message_id: 6,
        date: 1_700_000_002,
        from: { id: 42, is_bot: false, ...PERSON },
        chat: { id: 42, type: "private", ...PERSON },
        contact: {
          phone_number: "+79161234567",
          first_name: "Zyxwvuta",
          last_name: "Qopqrstuv",
          user_id: 43,
          vcard: "BEGIN:VCARD\nFN:Zyxwvuta Qopqrstuv\nTEL:+79161234567\nEND:VCARD",
        },
      },
    };
    const stripped = stripPersonal(update);
    expect(stripped.message?.contact).toEqual({ phone_number: "", first_name: "", user_id: 43 });
    expect(leftIn(stripped)).toEqual([]);
    expect(stripped.message?.contact ? "contact" : "other").toBe("contact");
  });

  it("strips the origins of forwards, mentions by name, replies and shared users and chats", () => {
    const update = {
      update_id: 4,
      message: {
        message_id: 7,
        date: 1,
        chat: { id: -200, type: "supergroup", title: "Zyxwvuta's", username: "zz_unique_handle_931" },
        from: { id: 42, is_bot: false, ...PERSON },
        sender_chat: { id: -300, type: "channel", title: "Эльвира", username: "elvira_shch_482" },
        author_signature: "Эльвира Щукинова",
        forward_origin: { type: "user", date: 1, sender_user: { id: 44, is_bot: false, ...PERSON } },
        forward_from: { id: 44, is_bot: false, ...PERSON },
        forward_sender_name: "Zyxwvuta",
        text: "hi Эльвира",
        entities: [
          { type: "text_mention", offset: 3, length: 7, user: { id: 44, is_bot: false, ...PERSON } },
        ],
        reply_to_message: {
          message_id: 1,
          date: 1,
          chat: { id: -200, type: "supergroup", title: "x" },
          forward_origin: { type: "hidden_user", date: 1, sender_user_name: "Zyxwvuta" },
          users_shared: { request_id: 1, users: [{ user_id: 45, ...PERSON, photo: [] }] },
          chat_shared: { request_id: 2, chat_id: -400, title: "Эльвира", username: "elvira_shch_482" },
        },
        external_reply: {
          origin: {
            type: "channel",
            date: 1,
            chat: { id: -300, type: "channel", title: "t" },
            message_id: 3,
            author_signature: "Zyxwvuta",
          },
        },
      },
    };
    const stripped = stripPersonal(update);
    // The organiser's own text names someone: that is the content the dialog needs.
    expect(leftIn({ ...stripped, message: { ...stripped.message, text: "" } })).toEqual([]);
    expect(stripped.message.forward_origin).toEqual({
      type: "user",
      date: 1,
      sender_user: { id: 44, is_bot: false, first_name: "" },
    });
    expect(stripped.message.reply_to_message.forward_origin).toEqual({
      type: "hidden_user",
      date: 1,
      sender_user_name: "",
    });
    expect(stripped.message.reply_to_message.users_shared.users).toEqual([
      { user_id: 45, first_name: "", photo: [] },
    ]);
    expect(stripped.message.reply_to_message.chat_shared).toEqual({ request_id: 2, chat_id: -400 });
    expect(stripped.message.entities[0]?.user).toEqual({ id: 44, is_bot: false, first_name: "" });
    expect(stripped.message.sender_chat).toEqual({ id: -300, type: "channel", title: "" });
  });

  it("leaves Herald's own values in a dialog's log alone", () => {
    const state = {
      version: [1, 3],
      state: {
        compose: [
          {
            args: "[7]",
            interrupts: [4],
            replay: {
              send: [{ payload: "wait" }, { payload: "external" }],
              receive: [
                { send: 1, returnValue: { id: 7, title: "Doors open", status: "draft", createdBy: 42 } },
                { send: 2, returnValue: { name: "Welcome", content: { kind: "text", html: "<b>Hi</b>" } } },
                { send: 3, returnValue: [1, "two", null, true, { params: ["hall", "answer_id"] }] },
              ],
            },
          },
        ],
      },
    };
    expect(stripPersonal(state)).toEqual(state);
    // Written exactly as it would have been without stripping, values with their own JSON form included.
    const when = { at: new Date(Date.UTC(2026, 11, 4, 10)), n: 1 };
    expect(JSON.stringify(stripPersonal(when))).toBe(JSON.stringify(when));
  });

  it("leaves an `external`'s result that merely has personal-sounding keys as it was, so it replays alike", () => {
    // Herald's own value (not a Telegram object: no user, chat, contact or origin shape), as an
    // `external` might return it one day; dropping its keys would replay it as `undefined` and diverge.
    const recorded = {
      id: 12,
      username: "ops_desk",
      email: "desk@example.org",
      first_name: "Desk",
      last_name: "Ops",
      title: "Front desk",
      type: "user",
      phone_number: 5551234,
    };
    const state = {
      version: [1, 3],
      state: {
        compose: [
          {
            interrupts: [1],
            replay: {
              send: [{ payload: "external" }, { payload: "wait" }],
              receive: [
                { send: 0, returnValue: recorded },
                { send: 1, returnValue: privateMessage },
              ],
            },
          },
        ],
      },
    };
    const stripped = stripPersonal(state);
    const [external, update] = stripped.state.compose[0]?.replay.receive ?? [];
    expect(external?.returnValue).toEqual(recorded);
    // The Telegram update beside it still loses its sender's names.
    expect(leftIn(update)).toEqual(["zz_unique_handle_931"]);
    expect(update?.returnValue).toEqual(stripPersonal(privateMessage));
  });

  it("strips the rarer places Telegram names people: signatures, bios, birthdays, titles, passports, orders", () => {
    const update = {
      update_id: 6,
      message: {
        message_id: 10,
        date: 1,
        chat: { id: -200, type: "supergroup", title: "Zyxwvuta's" },
        forward_signature: "Эльвира",
        new_chat_title: "Щукинова и Ко",
        passport_data: {
          data: [
            { type: "email", email: "elvira_shch_482@example.org", hash: "h1" },
            { type: "phone_number", phone_number: "+79161234567", hash: "h2" },
          ],
          credentials: { data: "d", hash: "h", secret: "s" },
        },
      },
      chat_join_request: {
        chat: { id: -200, type: "supergroup", title: "Zyxwvuta's" },
        from: { id: 42, is_bot: false, ...PERSON },
        user_chat_id: 42,
        date: 1,
        bio: "Эльвира from zz_unique_handle_931",
      },
      pre_checkout_query: {
        id: "q",
        from: { id: 42, is_bot: false, first_name: "Zyxwvuta" },
        currency: "RUB",
        total_amount: 100,
        invoice_payload: "ticket",
        order_info: { name: "Эльвира Щукинова", phone_number: "+79161234567" },
      },
      full_chat: {
        id: 42,
        type: "private",
        ...PERSON,
        bio: "Zyxwvuta",
        birthdate: { day: 4, month: 12, year: 1990 },
        active_usernames: ["zz_unique_handle_931"],
        accent_color_id: 1,
      },
    };
    const stripped = stripPersonal(update);
    expect(leftIn(stripped)).toEqual([]);
    expect(stripped.message.new_chat_title).toBe("");
    expect(stripped.message.passport_data.data[0]).toEqual({ type: "email", hash: "h1" });
    expect(stripped.pre_checkout_query).not.toHaveProperty("order_info");
    expect(stripped.full_chat).toEqual({ id: 42, type: "private", first_name: "", accent_color_id: 1 });
  });

  it("gives grammY a context that answers what Herald's dialogs ask", () => {
    const me = { ...herald, can_join_groups: true } as UserFromGetMe;
    const contact: Update = {
      update_id: 5,
      message: {
        message_id: 8,
        date: 1,
        from: { id: 42, is_bot: false, ...PERSON, language_code: "ru" },
        chat: { id: 42, type: "private", ...PERSON },
        contact: { phone_number: "+79161234567", first_name: "Zyxwvuta", user_id: 42 },
      },
    };
    for (const update of [privateMessage, contact]) {
      const before = new Context(update, new Api("1:x"), me);
      const after = new Context(stripPersonal(update), new Api("1:x"), me);
      for (const query of [":text", ":contact", "message", "message:entities:mention"] as const) {
        expect(Context.has.filterQuery(query)(after)).toBe(Context.has.filterQuery(query)(before));
      }
      expect([
        after.from?.id,
        after.from?.language_code,
        after.chat?.id,
        after.chat?.type,
        after.msg?.text,
      ]).toEqual([
        before.from?.id,
        before.from?.language_code,
        before.chat?.id,
        before.chat?.type,
        before.msg?.text,
      ]);
    }
  });
});
