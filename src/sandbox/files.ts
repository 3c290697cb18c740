import { deflateSync } from "node:zlib";

/** Telegram's photo sizes are at most this many pixels on the long side. */
const PHOTO_SIZES = [90, 320, 800, 1280];
const DEFAULT_DIMENSIONS = { width: 512, height: 512 };

const MIME_BY_EXTENSION: Record<string, string> = {
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  zip: "application/zip",
  html: "text/html",
  ics: "text/calendar",
  xml: "application/xml",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : "";
}

/** Telegram guesses a document's MIME type from its name when the client sends octet-stream. */
export function guessMimeType(fileName: string, declared?: string): string | undefined {
  if (declared && declared !== "application/octet-stream") return declared;
  return MIME_BY_EXTENSION[extensionOf(fileName)] ?? declared;
}

/** Reads PNG/JPEG/GIF dimensions from the header; anything else gets a plausible default. */
export function imageDimensions(data: Buffer | null): { width: number; height: number } {
  if (!data || data.length < 24) return DEFAULT_DIMENSIONS;
  if (data.readUInt32BE(0) === 0x89504e47)
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  if (data.toString("ascii", 0, 3) === "GIF")
    return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
  if (data[0] === 0xff && data[1] === 0xd8) {
    let pos = 2;
    while (pos + 9 < data.length) {
      if (data[pos] !== 0xff) break;
      const marker = data[pos + 1] ?? 0;
      const length = data.readUInt16BE(pos + 2);
      // SOF0..SOF15 carry the frame size, except DHT/JPG/DAC which share the range.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: data.readUInt16BE(pos + 7), height: data.readUInt16BE(pos + 5) };
      }
      pos += 2 + length;
    }
  }
  return DEFAULT_DIMENSIONS;
}

/** The scaled sizes Telegram would generate for a photo, smallest first. */
export function photoSizes(width: number, height: number): Array<{ width: number; height: number }> {
  const longSide = Math.max(width, height, 1);
  const sizes: Array<{ width: number; height: number }> = [];
  for (const limit of PHOTO_SIZES) {
    const scale = Math.min(1, limit / longSide);
    sizes.push({
      width: Math.max(1, Math.round(width * scale)),
      height: Math.max(1, Math.round(height * scale)),
    });
    if (scale === 1) break;
  }
  return sizes;
}

let crcTable: Uint32Array | undefined;

function crc32(data: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** A valid, plain light-grey 8-bit greyscale PNG: stand-in bytes for a photo a test did not supply. */
export function placeholderPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale; compression, filter and interlace stay 0
  const row = Buffer.alloc(width + 1, 0xd0);
  row[0] = 0; // filter type "none"
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}
