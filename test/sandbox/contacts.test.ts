import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startedUser, startSandbox } from "./helpers.js";

const CONTACT = {
  phone_number: "+79161234567",
  first_name: "Контактина",
  last_name: "Телефонова",
  vcard: "BEGIN:VCARD\nFN:Контактина Телефонова\nEND:VCARD",
};

describe("a user shares a contact", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 } });
    userId = startedUser(h.sb);
    await h.api.getUpdates(); // the /start
  });
  afterEach(() => h.close());

  it("reaches the bot as message.contact, and a copy carries it", async () => {
    const rec = h.sb.userSendsContact(userId, { ...CONTACT, user_id: userId });
    expect(rec.contact).toEqual({ ...CONTACT, user_id: userId });
    const updates: Update[] = await h.api.getUpdates({ offset: -1 });
    expect(updates.at(-1)?.message?.contact).toEqual({ ...CONTACT, user_id: userId });
    expect(updates.at(-1)?.message?.from?.id).toBe(userId);

    await h.api.copyMessage(userId, userId, rec.message_id);
    expect(h.sb.botMessages(userId).at(-1)?.contact).toEqual({ ...CONTACT, user_id: userId });
  });

  it("through the control API, and refuses one without a phone or a first name", async () => {
    const post = (body: unknown) =>
      fetch(`${h.sb.url}/sandbox/users/${userId}/contacts`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, unknown> }));

    const sent = await post({ phone_number: CONTACT.phone_number, first_name: CONTACT.first_name });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({
      contact: { phone_number: CONTACT.phone_number, first_name: "Контактина" },
    });
    expect((await post({ first_name: "A" })).status).toBe(400);
    expect((await post({ phone_number: "+1" })).status).toBe(400);
    expect(() => h.sb.userSendsContact(userId, { phone_number: "", first_name: "A" })).toThrow(
      /phone_number/,
    );
  });
});
