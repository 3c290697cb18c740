import { type HeraldDatabase, openDatabase } from "../../db/client.js";
import type { BroadcastContent } from "../../delivery/broadcasts.js";
import { type Params, render } from "../../messages/render.js";
import type { ChatRecord } from "../../sandbox/index.js";
import { createRandom } from "../../sandbox/random.js";

/**
 * The recipients of a bench run: recipient `i` is the sandbox user `firstTelegramId + i`, with the
 * form answer `1000000 + i`, a ticket link of their own and a track. Nothing per recipient is kept in
 * memory: every value is computed from the index (and the seed) when needed.
 */
export interface Audience {
  firstTelegramId: number;
  count: number;
  seed: number;
}

const ANSWER_BASE = 1_000_000;
const TRACKS = ["онлайн", "офлайн", "мастер-класс"] as const;
const INSERT_CHUNK = 5000;

export const BROADCAST_CONTENT: BroadcastContent = {
  kind: "text",
  html: "Привет! Ваша заявка № {answer_id} на трек «{track}» одобрена. <b>Билет</b> — по кнопке ниже.",
  buttons: [[{ text: "Билет", url: "{ticket_url}" }]],
};

/** Marks broadcast messages among everything a bot sends (the /start replies do not contain it). */
export const BROADCAST_MARKER = "Ваша заявка №";

export function answerIdOf(i: number): string {
  return String(ANSWER_BASE + i);
}

export function ticketUrlOf(audience: Audience, i: number): string {
  const random = createRandom((Math.imul(audience.seed + 1, 0x9e3779b1) ^ i) >>> 0);
  const sig = Math.floor(random() * 2 ** 32).toString(16) + Math.floor(random() * 2 ** 32).toString(16);
  return `https://tickets.example.org/t/${answerIdOf(i)}?sig=${sig}&lang=ru`;
}

export function paramsOf(audience: Audience, i: number): Params {
  return {
    answer_id: answerIdOf(i),
    ticket_url: ticketUrlOf(audience, i),
    track: TRACKS[i % TRACKS.length] as string,
  };
}

/** The message a baseline sends to recipient `i`: the same template, rendered the way the engine does. */
export function renderFor(
  audience: Audience,
  i: number,
): { html: string; buttons: { text: string; url: string }[][] } {
  if (BROADCAST_CONTENT.kind !== "text") throw new Error("the bench broadcasts text");
  // The very render Herald sends with: what a recipient should have got.
  const message = render(BROADCAST_CONTENT, paramsOf(audience, i));
  return { html: message.html, buttons: message.buttons ?? [] };
}

/** Whether a message recipient `i` got is theirs: their own answer number and their own ticket link. */
export function isPersonalisedFor(audience: Audience, i: number, message: ChatRecord): boolean {
  const text = message.text ?? "";
  const ownAnswer = new RegExp(`№ ${answerIdOf(i)}(?!\\d)`).test(text);
  const markup = message.reply_markup as { inline_keyboard?: Array<Array<{ url?: string }>> } | undefined;
  const urls = (markup?.inline_keyboard ?? []).flat().map((b) => b.url);
  return ownAnswer && urls.length === 1 && urls[0] === ticketUrlOf(audience, i);
}

/**
 * Opens (and migrates) Herald's database file and writes the audience: one active subscriber and one
 * approved, bound registration per recipient, in chunked transactions with prepared statements.
 */
export function prepareDatabase(file: string, audience: Audience, now = Date.now()): HeraldDatabase {
  const database = openDatabase(file);
  const { sqlite } = database;
  const insertSubscriber = sqlite.prepare(
    `INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at)
     VALUES (?, 'ru', 'active', ?, ?, ?)`,
  );
  const insertRegistration = sqlite.prepare(
    `INSERT INTO registrations (answer_id, telegram_id, attributes, submitted_at, bound_at, moderation,
       moderated_at, ticket_url, ticket_version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'approved', ?, ?, 1, ?, ?)`,
  );
  const insertChunk = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const telegramId = audience.firstTelegramId + i;
      const params = paramsOf(audience, i);
      insertSubscriber.run(telegramId, now, now, now);
      insertRegistration.run(
        params.answer_id,
        telegramId,
        JSON.stringify({ track: params.track }),
        now,
        now,
        now,
        params.ticket_url,
        now,
        now,
      );
    }
  });
  try {
    for (let from = 0; from < audience.count; from += INSERT_CHUNK) {
      insertChunk(from, Math.min(audience.count, from + INSERT_CHUNK));
    }
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
