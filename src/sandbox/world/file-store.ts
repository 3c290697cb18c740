import { imageDimensions, photoSizes } from "../files.js";
import type { PhotoSize } from "../types.js";
import type { FileFolder, StoredFile, World } from "./types.js";

const FILE_ID_TAGS: Record<FileFolder, string> = {
  photos: "AgACAgIAAxkBAAI",
  documents: "BQACAgIAAxkBAAI",
  stickers: "CAACAgIAAxkBAAI",
  videos: "BAACAgIAAxkBAAI",
};

const DEFAULT_EXTENSIONS: Record<FileFolder, string> = {
  photos: "jpg",
  documents: "dat",
  stickers: "webp",
  videos: "mp4",
};

/** Every file users and bots sent, by file_id and by the path getFile gives out. */
export function createFileStore(): Pick<World, "files" | "filesByPath" | "storeFile" | "storePhoto"> {
  const files = new Map<string, StoredFile>();
  const filesByPath = new Map<string, StoredFile>();
  let fileCounter = 0;

  const storeFile: World["storeFile"] = (data, folder, o = {}) => {
    fileCounter++;
    const file_id = `${FILE_ID_TAGS[folder]}${Buffer.from(`sandbox-${folder}-${fileCounter}`).toString("base64url")}`;
    const file_unique_id = `AgAD${Buffer.from(`u${fileCounter}`).toString("base64url")}`;
    const ext = o.ext ?? DEFAULT_EXTENSIONS[folder];
    const file: StoredFile = {
      file_id,
      file_unique_id,
      file_path: `${folder}/file_${fileCounter}.${ext}`,
      file_size: data?.length ?? 0,
      data,
      ...(o.fileName !== undefined && { file_name: o.fileName }),
      ...(o.mimeType !== undefined && { mime_type: o.mimeType }),
    };
    files.set(file_id, file);
    filesByPath.set(file.file_path, file);
    return file;
  };

  const storePhoto: World["storePhoto"] = (data, dims) => {
    const { width, height } = dims ?? imageDimensions(data);
    const sizes: PhotoSize[] = [];
    const stored: StoredFile[] = [];
    for (const size of photoSizes(width, height)) {
      const f = storeFile(data, "photos");
      stored.push(f);
      sizes.push({ file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, ...size });
    }
    for (const f of stored) f.photo = sizes;
    return sizes;
  };

  return { files, filesByPath, storeFile, storePhoto };
}
