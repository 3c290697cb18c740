import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import type { BroadcastContent } from "../../src/delivery/broadcasts.js";
import { createTemplates, TemplateNotFoundError, type Templates } from "../../src/messages/templates.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
let clock: FakeClock;
let templates: Templates;

beforeEach(() => {
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  clock = createFakeClock(Date.UTC(2026, 10, 21, 9, 0));
  templates = createTemplates({ db: database.db, clock });
});

afterEach(() => {
  database.close();
  dir.cleanup();
});

const WELCOME: BroadcastContent = {
  kind: "text",
  html: "<b>Welcome</b>, {answer_id}!",
  buttons: [[{ text: "Ticket", url: "{ticket_url}" }]],
};
const PHOTO: BroadcastContent = { kind: "photo", photo: "AgACAgIAAxkBAAIB", captionHtml: "Hall <i>A</i>" };
const COPY: BroadcastContent = { kind: "copy", fromChatId: -100_123, messageId: 42 };

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("templates", () => {
  it("saves content under a name and gets it back as it was", () => {
    const saved = templates.save({ name: "Welcome", content: WELCOME, by: 7 });
    expect(saved).toEqual({
      id: expect.any(Number),
      name: "Welcome",
      content: WELCOME,
      updatedAt: Date.UTC(2026, 10, 21, 9, 0),
    });
    expect(templates.get(saved.id)).toEqual(saved);
    const row = database.sqlite
      .prepare("SELECT created_by, created_at FROM templates WHERE id = ?")
      .get(saved.id);
    expect(row).toEqual({ created_by: 7, created_at: Date.UTC(2026, 10, 21, 9, 0) });
  });

  it("replaces the content under the same name, keeping the id and the creation", () => {
    const first = templates.save({ name: "Welcome", content: WELCOME, by: 7 });
    clock.advance(60_000);
    const second = templates.save({ name: "Welcome", content: PHOTO, by: 8 });

    expect(second.id).toBe(first.id);
    expect(second.content).toEqual(PHOTO);
    expect(second.updatedAt).toBe(Date.UTC(2026, 10, 21, 9, 1));
    expect(templates.get(first.id)).toEqual(second);
    expect(templates.list()).toHaveLength(1);
    const row = database.sqlite
      .prepare("SELECT created_by, created_at FROM templates WHERE id = ?")
      .get(first.id);
    expect(row).toEqual({ created_by: 7, created_at: Date.UTC(2026, 10, 21, 9, 0) });
  });

  it("lists templates sorted by name", () => {
    templates.save({ name: "Zeta", content: COPY, by: 1 });
    templates.save({ name: "Alpha", content: WELCOME, by: 1 });
    templates.save({ name: "Mid", content: PHOTO, by: 1 });
    templates.save({ name: "Alpha", content: COPY, by: 1 });

    const listed = templates.list();
    expect(listed.map((template) => template.name)).toEqual(["Alpha", "Mid", "Zeta"]);
    expect(listed.map((template) => template.content)).toEqual([COPY, PHOTO, COPY]);
  });

  it("is an empty list with no templates", () => {
    expect(templates.list()).toEqual([]);
  });

  it("refuses an unknown id with TemplateNotFoundError", () => {
    const error = errorOf(() => templates.get(999));
    expect(error).toBeInstanceOf(TemplateNotFoundError);
    expect((error as TemplateNotFoundError).code).toBe("template_not_found");
    expect((error as Error).message).toContain("999");
  });

  it("removes a template, and refuses to remove one that is not there", () => {
    const kept = templates.save({ name: "Kept", content: WELCOME, by: 1 });
    const gone = templates.save({ name: "Gone", content: PHOTO, by: 1 });

    templates.remove(gone.id);

    expect(errorOf(() => templates.get(gone.id))).toBeInstanceOf(TemplateNotFoundError);
    expect(errorOf(() => templates.remove(gone.id))).toBeInstanceOf(TemplateNotFoundError);
    expect(templates.list()).toEqual([kept]);
  });
});
