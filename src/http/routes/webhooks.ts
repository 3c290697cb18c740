import { type FastifyPluginCallbackTypebox, Type } from "@fastify/type-provider-typebox";
import type { DeepLinks } from "../../audience/deep-links.js";
import { ANSWER_ID_PATTERN } from "../../audience/deep-links.js";
import { assertNoPersonalData } from "../../audience/personal-data.js";
import { MAX_ATTRIBUTE_LENGTH, type Registrations } from "../../audience/registrations.js";
import type { Clock } from "../../clock.js";
import type { Db } from "../../db/client.js";
import { DomainError } from "../../errors.js";
import { bodyError, decodeBody, prototypeKeyError } from "../body.js";
import { checkSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../signature.js";
import { answerOnce, submissionAnswer } from "../webhook-events.js";

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  webhookSecret: string;
  registrations: Registrations;
  deepLinks: DeepLinks;
  /** The bot's username once known, for full t.me links. */
  botUsername(): string | undefined;
  statusOf(error: DomainError): number;
  /** Something was queued (a note, a ticket, a welcome): wake the sender, after the commit. */
  onQueued?(): void;
}

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const AnswerId = Type.String({ pattern: ANSWER_ID_PATTERN.source, description: "the form-answer number" });
const EventId = Type.String({ pattern: "^[A-Za-z0-9._:-]{1,100}$" });
const Attributes = Type.Record(
  Type.String({ pattern: "^[a-z][a-z0-9_]{0,31}$" }),
  Type.String({ maxLength: MAX_ATTRIBUTE_LENGTH }),
  {
    maxProperties: 50,
    // A key outside the pattern would otherwise pass unchecked, with any value.
    additionalProperties: false,
  },
);
// What Telegram takes on a button is the domain's check (recordModeration), answered in plain English.
const TicketUrl = Type.String({ minLength: 1, maxLength: 2048 });

const Submission = Type.Object(
  {
    event_id: EventId,
    answer_id: AnswerId,
    ref: Type.Optional(Type.String({ maxLength: 64 })),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false },
);
const Completion = Type.Object({ event_id: EventId, answer_id: AnswerId }, { additionalProperties: false });
const Moderation = Type.Object(
  {
    event_id: EventId,
    answer_id: AnswerId,
    decision: Type.Union([Type.Literal("approved"), Type.Literal("rejected")]),
    ticket_url: Type.Optional(TicketUrl),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    replace: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const LinkRequest = Type.Object({ answer_id: AnswerId }, { additionalProperties: false });

class InvalidReferenceError extends DomainError {
  override readonly name = "InvalidReferenceError";
  readonly code = "invalid_ref";
  constructor() {
    super("body/ref is not a reference Herald issued: pass on the `ref` parameter of the form URL unchanged");
  }
}

/**
 * Signed endpoints for the organiser's systems: form submissions, completed registrations,
 * moderation decisions, and deep links for the form's thank-you page.
 */
export function webhookRoutes(deps: WebhookDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    // The signature covers the raw bytes, so keep them; parsing stays Fastify's own (with its
    // prototype-poisoning protection) rather than a hand-written JSON.parse.
    const parseJson = app.getDefaultJsonParser("error", "error");
    // Only JSON is accepted here: anything else is 415, not a signature mismatch over an unread body.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, callback) => {
      request.rawBody = body as Buffer;
      const decoded = decodeBody(request.headers["content-type"], body as Buffer);
      if (!decoded.ok) return callback(bodyError(decoded), undefined);
      parseJson(request, decoded.text, (error, value) =>
        callback(error === null ? null : (prototypeKeyError(decoded.text) ?? error), value),
      );
    });

    app.addHook("preValidation", async (request, reply) => {
      const check = checkSignature({
        secret: deps.webhookSecret,
        timestamp: header(request.headers[TIMESTAMP_HEADER]),
        signature: header(request.headers[SIGNATURE_HEADER]),
        rawBody: request.rawBody ?? Buffer.alloc(0),
        nowMs: deps.clock.now(),
      });
      if (!check.ok) {
        request.log.warn({ url: request.url, reason: check.reason }, "webhook refused: signature");
        return reply.status(401).send({ error: "unauthorized", message: check.reason });
      }
    });

    const deepLink = (answerId: string) => {
      const username = deps.botUsername();
      return username === undefined ? null : deps.deepLinks.answerLink(username, answerId);
    };
    const once = (eventId: string, kind: string, handle: Parameters<typeof answerOnce>[3]) =>
      answerOnce(deps.db, { eventId, kind, now: deps.clock.now() }, deps.statusOf, handle, deps.onQueued);

    app.post("/webhooks/submission", { schema: { body: Submission } }, async (request, reply) => {
      const body = request.body;
      if (body.attributes !== undefined) assertNoPersonalData(body.attributes, "body/attributes/");
      let telegramId: number | undefined;
      if (body.ref !== undefined) {
        telegramId = deps.deepLinks.verifyFormReference(body.ref);
        if (telegramId === undefined) throw new InvalidReferenceError();
      }
      const answer = once(body.event_id, "submission", () => {
        const result = deps.registrations.recordSubmission({
          answerId: body.answer_id,
          ...(body.attributes ? { attributes: body.attributes } : {}),
          ...(telegramId !== undefined ? { telegramId } : {}),
        });
        return submissionAnswer(body.answer_id, result, deepLink(body.answer_id));
      });
      request.log.info({ event: body.event_id, replayed: answer.replayed }, "submission");
      return reply.status(answer.statusCode).send(answer.body);
    });

    app.post("/webhooks/registration-completed", { schema: { body: Completion } }, async (request, reply) => {
      const body = request.body;
      const answer = once(body.event_id, "registration_completed", () => {
        const result = deps.registrations.recordCompletion({ answerId: body.answer_id });
        return {
          statusCode: 200,
          body: { answer_id: body.answer_id, completed: true, already_completed: result.alreadyCompleted },
        };
      });
      request.log.info({ event: body.event_id, replayed: answer.replayed }, "registration completed");
      return reply.status(answer.statusCode).send(answer.body);
    });

    app.post("/webhooks/moderation", { schema: { body: Moderation } }, async (request, reply) => {
      const body = request.body;
      const answer = once(body.event_id, "moderation", () => {
        const result = deps.registrations.recordModeration({
          answerId: body.answer_id,
          decision: body.decision,
          ...(body.ticket_url !== undefined ? { ticketUrl: body.ticket_url } : {}),
          ...(body.message !== undefined ? { note: body.message } : {}),
          ...(body.replace !== undefined ? { replace: body.replace } : {}),
        });
        return {
          statusCode: 200,
          body: {
            answer_id: body.answer_id,
            decision: body.decision,
            delivery: result.delivery,
            ticket_version: result.ticketVersion,
          },
          queued: result.queued,
        };
      });
      request.log.info(
        { event: body.event_id, replayed: answer.replayed, status: answer.statusCode },
        "moderation",
      );
      return reply.status(answer.statusCode).send(answer.body);
    });

    app.post("/links/deep-link", { schema: { body: LinkRequest } }, async (request) => {
      const answerId = request.body.answer_id;
      return {
        answer_id: answerId,
        payload: deps.deepLinks.answerPayload(answerId),
        url: deepLink(answerId),
      };
    });

    done();
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
