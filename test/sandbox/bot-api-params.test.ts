import { describe, expect, it } from "vitest";
import { bool, chatIdParam, int, json, messageIdParam, str } from "../../src/sandbox/bot-api/params.js";
import { ApiError } from "../../src/sandbox/index.js";

describe("Bot API parameter readers", () => {
  it("read JSON values and form strings alike", () => {
    expect(str({ a: 5 }, "a")).toBe("5");
    expect(str({ a: {} }, "a")).toBeUndefined();
    expect(int({ a: " -12 " }, "a")).toBe(-12);
    expect(int({ a: 1.5 }, "a")).toBeUndefined();
    expect([true, "true", "True", "1", 1].map((v) => bool({ a: v }, "a"))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(bool({ a: "false" }, "a")).toBe(false);
    expect(json({ a: '{"x":1}' }, "a", "thing")).toEqual({ x: 1 });
    expect(json({ a: "" }, "a", "thing")).toBeUndefined();
  });

  it("answer Telegram's 400s for missing or unusable ids", () => {
    expect(chatIdParam({ chat_id: "-100123" })).toBe(-100123);
    expect(() => chatIdParam({})).toThrow(/chat_id is empty/);
    expect(() => chatIdParam({ chat_id: "@channel" })).toThrow(/chat not found/);
    expect(() => messageIdParam({})).toThrow(/message identifier is not specified/);
    expect(() => json({ a: "{" }, "a", "reply markup")).toThrow(ApiError);
  });
});
