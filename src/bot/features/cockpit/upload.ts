import { Composer } from "grammy";
import type { Message } from "grammy/types";
import { parseListFile } from "../../../audience/list-file.js";
import { SEGMENT_NAME } from "../../../audience/segments.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill } from "../../locales/index.js";
import { recordAction } from "./audit.js";

const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const LIST_ERRORS_SHOWN = 10;

type Deps = Pick<BotDeps, "db" | "clock" | "config" | "cockpit">;

/** A CSV/TXT list sent to the bot becomes a segment (or sets recipients' parameters). */
export function uploadFeature(deps: Deps): Composer<HeraldContext> {
  const { config, cockpit } = deps;
  const composer = new Composer<HeraldContext>();
  composer.on("message:document", async (ctx) => {
    const m = ctx.messages;
    const document = ctx.message.document;
    const fileName = document.file_name ?? "list.txt";
    // In the organisers' group people share files with each other: only a captioned CSV/TXT is a list.
    if (ctx.chat.type !== "private" && !ctx.message.caption?.trim()) return;
    if (!/\.(csv|txt)$/i.test(fileName)) {
      if (ctx.chat.type === "private") await ctx.reply(m.uploadNotText);
      return;
    }
    if ((document.file_size ?? 0) > MAX_UPLOAD_BYTES) {
      await ctx.reply(fill(m.uploadTooBig, { mb: MAX_UPLOAD_BYTES / 1024 / 1024 }));
      return;
    }
    const file = await ctx.api.getFile(document.file_id);
    const response = await fetch(`${config.botApiRoot}/file/bot${config.botToken}/${file.file_path}`);
    if (!response.ok) throw new Error(`could not download the list (HTTP ${response.status})`);
    const list = parseListFile(Buffer.from(await response.arrayBuffer()));
    if (list.errors.length > 0) {
      const shown = list.errors.slice(0, LIST_ERRORS_SHOWN).map((e) => `• ${e.line}: ${e.reason}`);
      if (list.errors.length > LIST_ERRORS_SHOWN) {
        shown.push(fill(m.uploadMore, { n: list.errors.length - LIST_ERRORS_SHOWN }));
      }
      await ctx.reply(fill(m.uploadErrors, { count: list.errors.length, errors: shown.join("\n") }));
      return;
    }
    const name = listName(ctx.message, list.columns.length > 0);
    if (name !== null && !SEGMENT_NAME.test(name)) {
      await ctx.reply(fill(m.uploadNameInvalid, { name }));
      return;
    }
    const summary = cockpit.segments.importList({ name, list, by: ctx.from.id });
    recordAction(deps, ctx, "segment.import", {
      segment: summary.segment?.id ?? null,
      entries: summary.entries,
      matched: summary.matched,
      columns: summary.columns,
    });
    const counts = {
      name: name ?? "",
      entries: summary.entries,
      matched: summary.matched,
      unknown: summary.unknown,
      duplicates: summary.duplicates,
    };
    const lines = [fill(summary.segment ? m.uploadDone : m.uploadAttributesOnly, counts)];
    if (summary.columns.length > 0) {
      lines.push(
        fill(m.uploadAttributes, {
          columns: summary.columns.map((c) => `{${c}}`).join(", "),
          n: summary.attributesSet,
        }),
      );
    }
    await ctx.reply(lines.join("\n"));
  });
  return composer;
}

/**
 * The segment a list becomes: its caption, else its file name. An attribute file (answer_id plus
 * columns) only sets parameters unless captioned with a list name: null.
 */
export function listName(message: Pick<Message, "caption" | "document">, hasColumns: boolean): string | null {
  const caption = message.caption?.trim();
  if (caption && caption.length > 0) return caption;
  if (hasColumns) return null;
  return (message.document?.file_name ?? "list.txt").replace(/\.[^.]+$/, "");
}
