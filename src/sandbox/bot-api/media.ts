import { badRequest } from "../errors.js";
import { guessMimeType } from "../files.js";
import { parseReplyMarkup } from "../reply-markup.js";
import { isUpload, type Params, type UploadedFile } from "../request-body.js";
import type { StoredFile, World } from "../state.js";
import type { Document, PhotoSize } from "../types.js";
import type { CallHelpers, Handler, Methods } from "./context.js";
import { bool, chatIdParam, str } from "./params.js";

type MediaInput =
  | { kind: "upload"; file: UploadedFile }
  | { kind: "stored"; file: StoredFile }
  | { kind: "url"; url: string };

function mediaInput(world: World, p: Params, field: "photo" | "document"): MediaInput {
  let v = p[field];
  if (typeof v === "string" && v.startsWith("attach://")) {
    v = p[v.slice("attach://".length)];
    if (!isUpload(v)) throw badRequest("wrong file identifier/HTTP URL specified");
  }
  if (isUpload(v)) {
    if (v.data.length === 0) throw badRequest("file must be non-empty");
    return { kind: "upload", file: v };
  }
  if (v === undefined || v === null || v === "") throw badRequest(`there is no ${field} in the request`);
  if (typeof v !== "string") throw badRequest("wrong file identifier/HTTP URL specified");
  if (/^https?:\/\/[^\s/]+/i.test(v)) {
    if (!URL.canParse(v)) throw badRequest("wrong file identifier/HTTP URL specified");
    return { kind: "url", url: v };
  }
  const stored = world.files.get(v);
  if (!stored) throw badRequest("wrong file identifier/HTTP URL specified");
  return { kind: "stored", file: stored };
}

function materializePhoto(world: World, input: MediaInput): PhotoSize[] {
  if (input.kind === "stored" && input.file.photo) return input.file.photo;
  if (input.kind === "stored") return world.storePhoto(input.file.data);
  return world.storePhoto(input.kind === "upload" ? input.file.data : null);
}

function materializeDocument(world: World, input: MediaInput): Document {
  let file: StoredFile;
  if (input.kind === "stored") {
    file = input.file;
  } else {
    const name =
      input.kind === "upload" ? input.file.filename : new URL(input.url).pathname.split("/").pop() || "file";
    const mime = guessMimeType(name, input.kind === "upload" ? input.file.contentType : undefined);
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
    file = world.storeFile(input.kind === "upload" ? input.file.data : null, "documents", {
      fileName: name,
      ...(mime && { mimeType: mime }),
      ...(ext && { ext }),
    });
  }
  return {
    ...(file.file_name !== undefined && { file_name: file.file_name }),
    ...(file.mime_type !== undefined && { mime_type: file.mime_type }),
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.file_size,
  };
}

/** sendPhoto, sendDocument and getFile: uploads, file_ids and URLs. */
export function mediaMethods(world: World, h: CallHelpers): Methods {
  const sendMedia = (field: "photo" | "document", method: string): Handler => {
    return (ctx) => {
      const { bot, params: p } = ctx;
      const input = mediaInput(world, p, field);
      const caption = h.formattedCaption(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const chat = h.writableChat(bot, chatIdParam(p));
      const paid = bool(p, "allow_paid_broadcast");
      const common = h.commonFields(p, chat, paid);
      h.admit(ctx, chat, "message", paid);
      const media =
        field === "photo"
          ? { photo: materializePhoto(world, input) }
          : { document: materializeDocument(world, input) };
      const rec = h.store(bot, chat, method, {
        ...media,
        ...(caption?.text && { caption: caption.text }),
        ...(caption?.entities.length && { caption_entities: caption.entities }),
        ...(markup && { reply_markup: markup }),
        ...common,
      });
      return world.apiMessage(chat, rec);
    };
  };

  return {
    sendPhoto: sendMedia("photo", "sendPhoto"),
    sendDocument: sendMedia("document", "sendDocument"),
    getFile: ({ params: p }) => {
      const file = world.files.get(str(p, "file_id") ?? "");
      if (!file) throw badRequest("invalid file_id");
      return {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.file_size,
        ...(file.data && { file_path: file.file_path }),
      };
    },
  };
}
