import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiError, fakeClock, type Harness, startedUser, startSandbox, TOKEN } from "./helpers.js";

const NO_LIMITS = { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 };
const BOT_ID = Number(TOKEN.split(":")[0]);

describe("group members and administrators", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
  });
  afterEach(() => h.close());

  it("answers getChatMember with creator, administrator, member and left", async () => {
    const owner = startedUser(h.sb, "Olga");
    const admin = startedUser(h.sb, "Ivan");
    const member = startedUser(h.sb, "Mia");
    const outsider = startedUser(h.sb, "Otto");
    const group = h.sb.createGroup({
      title: "Organisers",
      memberIds: [member],
      adminIds: [admin],
      creatorId: owner,
    });
    expect(await h.api.getChatMember(group.id, owner)).toEqual({
      user: expect.objectContaining({ id: owner }),
      status: "creator",
      is_anonymous: false,
    });
    expect(await h.api.getChatMember(group.id, admin)).toMatchObject({
      user: { id: admin },
      status: "administrator",
      can_delete_messages: true,
      can_be_edited: false,
    });
    expect(await h.api.getChatMember(group.id, member)).toEqual({
      user: expect.objectContaining({ id: member, first_name: "Mia" }),
      status: "member",
    });
    expect(await h.api.getChatMember(group.id, outsider)).toMatchObject({ status: "left" });
    // The bot itself: a plain member unless made an administrator.
    expect(await h.api.getChatMember(group.id, BOT_ID)).toMatchObject({
      user: { id: BOT_ID, is_bot: true },
      status: "member",
    });
    expect((await apiError(h.api.getChatMember(group.id, 4242))).description).toBe(
      "Bad Request: user not found",
    );
    const admins = await h.api.getChatAdministrators(group.id);
    expect(admins.map((m) => [m.user.id, m.status])).toEqual([
      [owner, "creator"],
      [admin, "administrator"],
    ]);
    // Private chats have their user and the bot as members.
    expect(await h.api.getChatMember(member, member)).toMatchObject({ status: "member" });
  });

  it("models the bot as administrator: status, my_chat_member, deleting others' messages", async () => {
    const user = startedUser(h.sb, "Ann");
    const plain = h.sb.createGroup({ title: "Plain", memberIds: [user] });
    const run = h.sb.createGroup({ title: "Run", memberIds: [user], adminIds: [BOT_ID] });
    expect(await h.api.getChatMember(run.id, BOT_ID)).toMatchObject({ status: "administrator" });
    const joins = (await h.api.getUpdates())
      .filter((u): u is Update & { my_chat_member: NonNullable<Update["my_chat_member"]> } =>
        Boolean(u.my_chat_member),
      )
      .map((u) => [u.my_chat_member.chat.id, u.my_chat_member.new_chat_member.status]);
    expect(joins).toEqual([
      [plain.id, "member"],
      [run.id, "administrator"],
    ]);

    const inPlain = h.sb.userSends(user, "spam", { chatId: plain.id });
    expect((await apiError(h.api.deleteMessage(plain.id, inPlain.message_id))).description).toBe(
      "Bad Request: message can't be deleted for everyone",
    );
    const inRun = h.sb.userSends(user, "spam", { chatId: run.id });
    await expect(h.api.deleteMessage(run.id, inRun.message_id)).resolves.toBe(true);
  });

  it("rejects a bot as creator", () => {
    expect(() => h.sb.createGroup({ title: "X", memberIds: [], creatorId: BOT_ID })).toThrow(
      /bot can't create/,
    );
  });
});

describe("command scopes", () => {
  let h: Harness;
  let organiser: number;
  let helper: number;
  let guest: number;
  let groupId: number;
  const menu = (...names: string[]) => names.map((command) => ({ command, description: `${command}!` }));

  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    organiser = startedUser(h.sb, "Olga");
    helper = startedUser(h.sb, "Hal");
    guest = h.sb.createUser({ first_name: "Gus", language_code: "ru" }).id;
    h.sb.userStarts(guest);
    groupId = h.sb.createGroup({ title: "Organisers", memberIds: [helper], adminIds: [organiser] }).id;
    await h.api.setMyCommands(menu("start", "help"));
    await h.api.setMyCommands(menu("start", "help"), { language_code: "ru" });
    await h.api.setMyCommands(menu("tickets"), { scope: { type: "all_private_chats" } });
    await h.api.setMyCommands(menu("bilety"), { scope: { type: "all_private_chats" }, language_code: "ru" });
    await h.api.setMyCommands(menu("status"), { scope: { type: "chat", chat_id: groupId } });
    await h.api.setMyCommands(menu("status", "export", "broadcast"), {
      scope: { type: "chat_administrators", chat_id: groupId },
    });
  });
  afterEach(() => h.close());

  it("stores each scope and language separately", async () => {
    expect(h.sb.commands().map((c) => [c.scope, c.language_code, c.commands.length])).toEqual([
      [{ type: "default" }, undefined, 2],
      [{ type: "default" }, "ru", 2],
      [{ type: "all_private_chats" }, undefined, 1],
      [{ type: "all_private_chats" }, "ru", 1],
      [{ type: "chat", chat_id: groupId }, undefined, 1],
      [{ type: "chat_administrators", chat_id: groupId }, undefined, 3],
    ]);
    // A string chat_id (form bodies) names the same scope.
    expect(await h.api.getMyCommands({ scope: { type: "chat", chat_id: String(groupId) } })).toEqual(
      menu("status"),
    );
  });

  it("shows admin commands only to administrators of that group", () => {
    expect(h.sb.commandsFor(groupId, { userId: organiser })).toEqual(menu("status", "export", "broadcast"));
    expect(h.sb.commandsFor(groupId, { userId: helper })).toEqual(menu("status"));
    expect(h.sb.commandsFor(groupId)).toEqual(menu("status"));
  });

  it("falls back through the private-chat scopes by language", () => {
    expect(h.sb.commandsFor(organiser)).toEqual(menu("tickets"));
    expect(h.sb.commandsFor(guest)).toEqual(menu("bilety")); // the user's language_code
    expect(h.sb.commandsFor(guest, { languageCode: "de" })).toEqual(menu("tickets"));
    expect(h.sb.commandsFor(guest, { languageCode: "ru-RU" })).toEqual(menu("bilety"));
    expect(() => h.sb.commandsFor(guest, { userId: organiser })).toThrow(/only user/);
  });

  it("follows the full priority order in groups", async () => {
    const other = h.sb.createGroup({ title: "Other", memberIds: [helper], adminIds: [organiser] }).id;
    // Nothing for that chat: group users get default, admins all_chat_administrators once it exists.
    expect(h.sb.commandsFor(other, { userId: organiser })).toEqual(menu("start", "help"));
    await h.api.setMyCommands(menu("groups"), { scope: { type: "all_group_chats" } });
    await h.api.setMyCommands(menu("admin"), { scope: { type: "all_chat_administrators" } });
    expect(h.sb.commandsFor(other, { userId: helper })).toEqual(menu("groups"));
    expect(h.sb.commandsFor(other, { userId: organiser })).toEqual(menu("admin"));
    // In the organisers' group, chat beats all_chat_administrators for a non-admin...
    expect(h.sb.commandsFor(groupId, { userId: helper })).toEqual(menu("status"));
    // ...and chat_member beats everything, in its language first.
    await h.api.setMyCommands(menu("mine"), {
      scope: { type: "chat_member", chat_id: groupId, user_id: helper },
    });
    await h.api.setMyCommands(menu("moi"), {
      scope: { type: "chat_member", chat_id: groupId, user_id: helper },
      language_code: "ru",
    });
    expect(h.sb.commandsFor(groupId, { userId: helper })).toEqual(menu("mine"));
    expect(h.sb.commandsFor(groupId, { userId: helper, languageCode: "ru" })).toEqual(menu("moi"));
    // Deleting a scope falls back to the next one.
    await h.api.deleteMyCommands({ scope: { type: "chat_administrators", chat_id: groupId } });
    expect(h.sb.commandsFor(groupId, { userId: organiser })).toEqual(menu("status"));
  });

  it("refuses scopes for chats and users the bot does not know", async () => {
    expect(
      (await apiError(h.api.setMyCommands(menu("x"), { scope: { type: "chat", chat_id: -100999 } })))
        .description,
    ).toBe("Bad Request: chat not found");
    expect(
      (
        await apiError(
          h.api.setMyCommands(menu("x"), { scope: { type: "chat_member", chat_id: groupId, user_id: 4242 } }),
        )
      ).description,
    ).toBe("Bad Request: user not found");
    expect(() => h.sb.commandsFor(-100999)).toThrow(/unknown chat/);
  });
});

describe("edits and flood control in groups", () => {
  it("refuses an edit of a progress message that changes nothing", async () => {
    const h = await startSandbox({ limits: NO_LIMITS });
    try {
      const organiser = startedUser(h.sb, "Olga");
      const group = h.sb.createGroup({ title: "Organisers", memberIds: [organiser] });
      const markup = { inline_keyboard: [[{ text: "Cancel", callback_data: "cancel" }]] };
      const progress = await h.api.sendMessage(group.id, "Sent 0/100", { reply_markup: markup });
      await h.api.editMessageText(group.id, progress.message_id, "Sent 50/100", { reply_markup: markup });
      const err = await apiError(
        h.api.editMessageText(group.id, progress.message_id, "Sent 50/100", { reply_markup: markup }),
      );
      expect(err.error_code).toBe(400);
      expect(err.description).toBe(
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
      const [rec] = h.sb.botMessages(group.id);
      expect(rec?.edits.map((e) => e.text)).toEqual(["Sent 50/100"]);
    } finally {
      await h.close();
    }
  });

  it("counts sends and edits against the 20-per-minute group limit", async () => {
    const clock = fakeClock();
    const h = await startSandbox({ clock, limits: { bulkPerSecond: 0 } });
    try {
      expect(h.sb.limits.groupPerMinute).toBe(20);
      const organiser = startedUser(h.sb, "Olga");
      const group = h.sb.createGroup({ title: "Organisers", memberIds: [organiser] });
      const progress = await h.api.sendMessage(group.id, "Sent 0");
      for (let i = 1; i < 20; i++) {
        clock.advance(1000);
        await h.api.editMessageText(group.id, progress.message_id, `Sent ${i}`);
      }
      clock.advance(1000); // 20 s after the first message: 40 s until it leaves the window
      const refused = await apiError(h.api.sendMessage(group.id, "one too many"));
      expect(refused.error_code).toBe(429);
      expect(refused.parameters.retry_after).toBe(40);
      expect(h.sb.stats().http429ByScope.group).toBe(1);
      clock.advance(40_000);
      await expect(h.api.editMessageText(group.id, progress.message_id, "Done")).resolves.toMatchObject({
        text: "Done",
      });
      // Private chats are untouched by the group's window.
      await expect(h.api.sendMessage(organiser, "private")).resolves.toBeDefined();
    } finally {
      await h.close();
    }
  });
});
