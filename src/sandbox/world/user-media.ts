import { SandboxError } from "../errors.js";
import { imageDimensions, photoSizes, placeholderPng } from "../files.js";
import type { PhotoSize } from "../types.js";
import { requireUser } from "./chats.js";
import type { World } from "./types.js";
import type { StoreUserMessage, UserActionDeps } from "./user-actions.js";
import { contentBytes, dimension, userCaption } from "./user-input.js";

const DEFAULT_PHOTO = { width: 1280, height: 720 };
const DEFAULT_STICKER_EMOJI = "👍";

interface MediaDeps extends UserActionDeps {
  storeFile: World["storeFile"];
  storePhoto: World["storePhoto"];
  guessMime: (fileName: string, declared?: string) => string | undefined;
  storeUserMessage: StoreUserMessage;
}

type Args<K extends keyof World> = World[K] extends (...args: infer A) => unknown ? A : never;

function userSendsPhoto(d: MediaDeps, ...[userId, photo, o = {}]: Args<"userSendsPhoto">) {
  const b = d.bot(o.botToken);
  const user = requireUser(d.users, userId);
  if (typeof photo !== "object" || photo === null) throw new SandboxError(400, "photo must be an object");
  const width = dimension("width", photo.width);
  const height = dimension("height", photo.height);
  const caption = userCaption(photo.caption, photo.caption_entities);
  const chat = d.chats.userChat(b, user, o.chatId);
  let sizes: PhotoSize[];
  if (photo.content === undefined) {
    const dims = { width: width ?? DEFAULT_PHOTO.width, height: height ?? DEFAULT_PHOTO.height };
    // Telegram keeps photos at most 1280 px on the long side; the bytes are that largest size.
    const largest = photoSizes(dims.width, dims.height).at(-1) ?? dims;
    sizes = d.storePhoto(placeholderPng(largest.width, largest.height), dims);
  } else {
    const data = contentBytes("photo", photo.content);
    const sniffed = imageDimensions(data);
    sizes = d.storePhoto(data, { width: width ?? sniffed.width, height: height ?? sniffed.height });
  }
  return d.storeUserMessage(b, user, chat, { photo: sizes, ...caption });
}

function userSendsSticker(d: MediaDeps, ...[userId, o = {}]: Args<"userSendsSticker">) {
  const b = d.bot(o.botToken);
  const user = requireUser(d.users, userId);
  for (const k of ["emoji", "set_name"] as const) {
    if (o[k] !== undefined && (typeof o[k] !== "string" || o[k] === ""))
      throw new SandboxError(400, `${k} must be a non-empty string`);
  }
  const chat = d.chats.userChat(b, user, o.chatId);
  const data =
    o.content === undefined ? Buffer.from("sandbox sticker placeholder") : contentBytes("sticker", o.content);
  const file = d.storeFile(data, "stickers", { mimeType: "image/webp" });
  return d.storeUserMessage(b, user, chat, {
    sticker: {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      type: "regular",
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: o.emoji ?? DEFAULT_STICKER_EMOJI,
      ...(o.set_name !== undefined && { set_name: o.set_name }),
      file_size: file.file_size,
    },
  });
}

function userSendsVideo(d: MediaDeps, ...[userId, video = {}, o = {}]: Args<"userSendsVideo">) {
  const b = d.bot(o.botToken);
  const user = requireUser(d.users, userId);
  if (typeof video !== "object" || video === null) throw new SandboxError(400, "video must be an object");
  const width = dimension("width", video.width) ?? DEFAULT_PHOTO.width;
  const height = dimension("height", video.height) ?? DEFAULT_PHOTO.height;
  const duration = video.duration ?? 10;
  if (!Number.isInteger(duration) || duration < 0)
    throw new SandboxError(400, "duration must be an integer number of seconds >= 0");
  if (video.fileName !== undefined && (typeof video.fileName !== "string" || video.fileName === ""))
    throw new SandboxError(400, "fileName must be a non-empty string");
  const caption = userCaption(video.caption, video.caption_entities);
  const chat = d.chats.userChat(b, user, o.chatId);
  const data =
    video.content === undefined
      ? Buffer.from("sandbox video placeholder")
      : contentBytes("video", video.content);
  const mimeType = video.mimeType ?? "video/mp4";
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(video.fileName ?? "")?.[1]?.toLowerCase();
  const file = d.storeFile(data, "videos", {
    ...(video.fileName !== undefined && { fileName: video.fileName }),
    mimeType,
    ...(ext && { ext }),
  });
  return d.storeUserMessage(b, user, chat, {
    video: {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width,
      height,
      duration,
      ...(video.fileName !== undefined && { file_name: video.fileName }),
      mime_type: mimeType,
      file_size: file.file_size,
    },
    ...caption,
  });
}

function userSendsDocument(d: MediaDeps, ...[userId, doc, o = {}]: Args<"userSendsDocument">) {
  const b = d.bot(o.botToken);
  const user = requireUser(d.users, userId);
  if (typeof doc?.fileName !== "string" || doc.fileName === "")
    throw new SandboxError(400, "fileName is required");
  const data = typeof doc.content === "string" ? Buffer.from(doc.content, "utf8") : Buffer.from(doc.content);
  if (data.length === 0) throw new SandboxError(400, "document content must not be empty");
  const chat = d.chats.userChat(b, user, o.chatId);
  const mimeType = d.guessMime(doc.fileName, doc.mimeType);
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(doc.fileName)?.[1]?.toLowerCase();
  const file = d.storeFile(data, "documents", {
    fileName: doc.fileName,
    ...(mimeType && { mimeType }),
    ...(ext && { ext }),
  });
  const document = {
    file_name: doc.fileName,
    ...(mimeType && { mime_type: mimeType }),
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.file_size,
  };
  return d.storeUserMessage(b, user, chat, {
    document,
    ...(doc.caption !== undefined && doc.caption !== "" && { caption: doc.caption }),
  });
}

/** A contact as Telegram hands it over: a phone number and a first name are required. */
function userSendsContact(d: MediaDeps, ...[userId, contact, o = {}]: Args<"userSendsContact">) {
  const b = d.bot(o.botToken);
  const user = requireUser(d.users, userId);
  if (typeof contact !== "object" || contact === null)
    throw new SandboxError(400, "contact must be an object");
  for (const k of ["phone_number", "first_name"] as const) {
    if (typeof contact[k] !== "string" || contact[k] === "")
      throw new SandboxError(400, `contact.${k} must be a non-empty string`);
  }
  for (const k of ["last_name", "vcard"] as const) {
    if (contact[k] !== undefined && typeof contact[k] !== "string")
      throw new SandboxError(400, `contact.${k} must be a string`);
  }
  if (contact.user_id !== undefined && !Number.isSafeInteger(contact.user_id))
    throw new SandboxError(400, "contact.user_id must be an integer");
  const chat = d.chats.userChat(b, user, o.chatId);
  return d.storeUserMessage(b, user, chat, {
    contact: {
      phone_number: contact.phone_number,
      first_name: contact.first_name,
      ...(contact.last_name !== undefined && { last_name: contact.last_name }),
      ...(contact.user_id !== undefined && { user_id: contact.user_id }),
      ...(contact.vcard !== undefined && { vcard: contact.vcard }),
    },
  });
}

/** Photos, stickers, videos, documents and contacts a user sends; file bytes are stored like the bot's. */
export function createUserMedia(
  d: MediaDeps,
): Pick<
  World,
  "userSendsPhoto" | "userSendsSticker" | "userSendsVideo" | "userSendsDocument" | "userSendsContact"
> {
  return {
    userSendsContact: (...args) => userSendsContact(d, ...args),
    userSendsPhoto: (...args) => userSendsPhoto(d, ...args),
    userSendsSticker: (...args) => userSendsSticker(d, ...args),
    userSendsVideo: (...args) => userSendsVideo(d, ...args),
    userSendsDocument: (...args) => userSendsDocument(d, ...args),
  };
}
