import {
  BadInput,
  type Body,
  botOpt,
  defined,
  optionalBase64,
  optionalEntities,
  optionalField,
  optionalInt,
  optionalIntArray,
  optionalString,
  requiredInt,
  requiredString,
} from "./control-input.js";
import type { Sandbox } from "./types.js";

/** POST /sandbox/users */
export function createUserRoute(sandbox: Sandbox, body: Body): unknown {
  return sandbox.createUser({
    first_name: requiredString(body, "first_name"),
    ...optionalField(body, "last_name"),
    ...optionalField(body, "username"),
    ...optionalField(body, "language_code"),
  });
}

/** POST /sandbox/groups */
export function createGroupRoute(sandbox: Sandbox, body: Body): unknown {
  const memberIds = body.member_ids ?? [];
  if (!Array.isArray(memberIds) || !memberIds.every((m) => Number.isSafeInteger(m))) {
    throw new BadInput("member_ids must be an array of integers");
  }
  const type = optionalString(body, "type");
  if (type !== undefined && type !== "group" && type !== "supergroup") {
    throw new BadInput('type must be "group" or "supergroup"');
  }
  const botTokens = body.bot_tokens;
  if (
    botTokens !== undefined &&
    (!Array.isArray(botTokens) || !botTokens.every((t) => typeof t === "string"))
  ) {
    throw new BadInput("bot_tokens must be an array of strings");
  }
  const adminIds = optionalIntArray(body, "admin_ids");
  const creatorId = optionalInt(body, "creator_id");
  return sandbox.createGroup({
    title: requiredString(body, "title"),
    memberIds: memberIds as number[],
    ...(type !== undefined && { type }),
    ...(botTokens !== undefined && { botTokens: botTokens as string[] }),
    ...(adminIds !== undefined && { adminIds }),
    ...(creatorId !== undefined && { creatorId }),
  });
}

/** POST /sandbox/users/:id/<action>: what a user does; undefined for an unknown action. */
export function userActionRoute(
  sandbox: Sandbox,
  id: string,
  action: string | undefined,
  body: Body,
): unknown {
  const userId = Number(id);
  if (!Number.isSafeInteger(userId)) throw new BadInput("user id must be an integer");
  const chatId = optionalInt(body, "chat_id");
  const withChat = { ...botOpt(body), ...(chatId !== undefined && { chatId }) };
  switch (action) {
    case "messages": {
      const entities = optionalEntities(body, "entities");
      return sandbox.userSends(userId, requiredString(body, "text"), {
        ...withChat,
        ...(entities !== undefined && { entities }),
      });
    }
    case "photos":
      return sandbox.userSendsPhoto(
        userId,
        defined({
          content: optionalBase64(body, "content_base64"),
          caption: optionalString(body, "caption"),
          caption_entities: optionalEntities(body, "caption_entities"),
          width: optionalInt(body, "width"),
          height: optionalInt(body, "height"),
        }),
        withChat,
      );
    case "stickers":
      return sandbox.userSendsSticker(userId, {
        ...withChat,
        ...defined({
          emoji: optionalString(body, "emoji"),
          set_name: optionalString(body, "set_name"),
          content: optionalBase64(body, "content_base64"),
        }),
      });
    case "videos":
      return sandbox.userSendsVideo(
        userId,
        defined({
          content: optionalBase64(body, "content_base64"),
          caption: optionalString(body, "caption"),
          caption_entities: optionalEntities(body, "caption_entities"),
          width: optionalInt(body, "width"),
          height: optionalInt(body, "height"),
          duration: optionalInt(body, "duration"),
          fileName: optionalString(body, "file_name"),
          mimeType: optionalString(body, "mime_type"),
        }),
        withChat,
      );
    case "contacts": {
      const userIdInContact = optionalInt(body, "user_id");
      return sandbox.userSendsContact(
        userId,
        {
          phone_number: requiredString(body, "phone_number"),
          first_name: requiredString(body, "first_name"),
          ...optionalField(body, "last_name"),
          ...optionalField(body, "vcard"),
          ...(userIdInContact !== undefined && { user_id: userIdInContact }),
        },
        withChat,
      );
    }
    case "start":
      return sandbox.userStarts(userId, optionalString(body, "payload"), botOpt(body));
    case "documents": {
      const base64 = requiredString(body, "content_base64");
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) throw new BadInput("content_base64 must be base64");
      const caption = optionalString(body, "caption");
      const mimeType = optionalString(body, "mime_type");
      return sandbox.userSendsDocument(
        userId,
        {
          fileName: requiredString(body, "file_name"),
          content: Buffer.from(base64, "base64"),
          ...(caption !== undefined && { caption }),
          ...(mimeType !== undefined && { mimeType }),
        },
        withChat,
      );
    }
    case "callbacks": {
      const callbackId = sandbox.userPresses(
        userId,
        {
          messageId: requiredInt(body, "message_id"),
          data: requiredString(body, "data"),
          ...(chatId !== undefined && { chatId }),
        },
        botOpt(body),
      );
      return { callback_query_id: callbackId };
    }
    case "block":
      sandbox.blockBot(userId, botOpt(body));
      return { ok: true };
    case "unblock":
      sandbox.unblockBot(userId, botOpt(body));
      return { ok: true };
  }
  return undefined;
}
