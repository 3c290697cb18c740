import { BotError } from "grammy";
import { describe, expect, it, vi } from "vitest";
import { SegmentError } from "../../src/audience/segments.js";
import type { HeraldContext } from "../../src/bot/context.js";
import type { BotDeps } from "../../src/bot/deps.js";
import { answerRefusals } from "../../src/bot/features/cockpit/refusals.js";
import { messagesFor } from "../../src/bot/locales/index.js";
import {
  type Broadcast,
  BroadcastNotFoundError,
  BroadcastStateError,
} from "../../src/delivery/broadcasts.js";
import { TemplateNotFoundError } from "../../src/messages/templates.js";
import { testConfig } from "../helpers/config.js";

const m = messagesFor("en");

function harness(update: { data?: string; caption?: string; fileName?: string }) {
  const refresh = vi.fn();
  const deps = {
    config: testConfig(),
    cockpit: {
      broadcasts: { get: (id: number) => ({ id, status: "done" }) as unknown as Broadcast },
      progress: { refresh },
    },
  } as unknown as Pick<BotDeps, "config" | "cockpit">;
  const ctx = {
    messages: m,
    language: "en",
    callbackQuery: update.data !== undefined ? { id: "q", data: update.data } : undefined,
    message:
      update.fileName !== undefined
        ? { caption: update.caption, document: { file_name: update.fileName, file_id: "f" } }
        : undefined,
    answerCallbackQuery: vi.fn(async () => true),
    reply: vi.fn(async () => ({})),
  };
  const answer = (error: unknown) =>
    answerRefusals(deps)(new BotError(error, ctx as unknown as HeraldContext));
  return { ctx, refresh, answer };
}

describe("the cockpit's refusals", () => {
  it("answers a broadcast control the broadcast moved past on the button, then shows its state", async () => {
    const h = harness({ data: "bc:pause:5" });
    await h.answer(new BroadcastStateError(5, "done", "paused"));
    expect(h.ctx.answerCallbackQuery).toHaveBeenCalledWith({
      text: m.actionRefused.replace("{status}", m.statusDone),
      show_alert: true,
    });
    expect(h.refresh).toHaveBeenCalledWith(5);
    expect(h.ctx.reply).not.toHaveBeenCalled();
  });

  it("answers a control of a broadcast that is gone with a toast", async () => {
    const h = harness({ data: "bc:open:9" });
    await h.answer(new BroadcastNotFoundError(9));
    expect(h.ctx.answerCallbackQuery).toHaveBeenCalledWith({ text: m.notFound });
  });

  it("replies when a listed item is gone or in use", async () => {
    const gone = harness({ data: "tpl:del:1" });
    await gone.answer(new TemplateNotFoundError(1));
    expect(gone.ctx.reply).toHaveBeenCalledWith(m.notFound);
    const inUse = harness({ data: "seg:del:1" });
    await inUse.answer(new SegmentError("segment_in_use", "busy"));
    expect(inUse.ctx.reply).toHaveBeenCalledWith(m.segmentInUse);
  });

  it("names the list whose name is taken", async () => {
    const h = harness({ caption: " VIP ", fileName: "list.csv" });
    await h.answer(new SegmentError("segment_name_taken", "taken"));
    expect(h.ctx.reply).toHaveBeenCalledWith(m.uploadNameTaken.replace("{name}", "VIP"));
  });

  it("lets everything else through to the bot's boundary", async () => {
    const failure = new Error("disk full");
    await expect(harness({ data: "tpl:del:1" }).answer(failure)).rejects.toBe(failure);
    const invalid = new SegmentError("segment_invalid", "bad");
    await expect(harness({ caption: "x", fileName: "l.csv" }).answer(invalid)).rejects.toBe(invalid);
  });
});
