import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { checkFormAuth } from "../../forms/auth.js";
import type { ParsedForm } from "../../forms/form-fields.js";
import {
  type IntakeDeps,
  type IntakeRefusal,
  reportRefusal,
  takeFormSubmission,
} from "../../forms/intake.js";
import { formContentType, parseForm } from "../../forms/parse.js";
import { FORM_PROVIDERS, type FormProvider, isFormProvider } from "../../forms/providers.js";
import { decodeBody, prototypeKeyError } from "../body.js";

export type FormRouteDeps = IntakeDeps;

type Refusal = IntakeRefusal;

export const FORMS_PATH = "/webhooks/forms";

/**
 * The form builders' doors, `POST /webhooks/forms/<provider>` (Tilda: `/webhooks/forms/tilda/<token>`).
 * Each is a plugin of its own with only its media type's parser, which keeps the raw bytes: the
 * signature covers them, and they are decoded and parsed only once the sender is known. A door
 * answers 404 forms_off until FORM_SECRET is set. Nothing of a body is logged: at most counts.
 */
export function formRoutes(deps: FormRouteDeps) {
  return (app: FastifyInstance, _options: unknown, done: (error?: Error) => void) => {
    for (const provider of FORM_PROVIDERS) {
      app.register((door, _doorOptions, doorDone) => {
        door.removeAllContentTypeParsers();
        door.addContentTypeParser(
          formContentType(provider),
          { parseAs: "buffer" },
          (_request, body, callback) => callback(null, body),
        );
        const path = provider === "tilda" ? `${FORMS_PATH}/tilda/:token` : `${FORMS_PATH}/${provider}`;
        door.post(path, (request, reply) => handleDoor(deps, door, provider, request, reply));
        doorDone();
      });
    }
    // Unknown providers, and Tilda without its token, whatever they send.
    app.register((rest, _restOptions, restDone) => {
      rest.removeAllContentTypeParsers();
      rest.addContentTypeParser("*", { parseAs: "buffer" }, (_request, _body, callback) =>
        callback(null, null),
      );
      rest.post(`${FORMS_PATH}/:provider`, async (request, reply) => {
        const { provider } = request.params as { provider: string };
        if (!isFormProvider(provider)) {
          return send(reply, {
            status: 404,
            error: "unknown_provider",
            message: `no form provider "${provider.slice(0, 40)}": use one of ${FORM_PROVIDERS.join(", ")}`,
          });
        }
        const off = formsOff(deps);
        if (off) return send(reply, off);
        return send(reply, {
          status: 401,
          error: "unauthorized",
          message: "the token is missing from the URL path",
        });
      });
      restDone();
    });
    done();
  };
}

function formsOff(deps: FormRouteDeps): Refusal | undefined {
  if (deps.forms.secret !== null) return undefined;
  return {
    status: 404,
    error: "forms_off",
    message: "form connectors are off: set FORM_SECRET (and FORM_FIELDS) in Herald's settings and restart",
  };
}

function send(reply: FastifyReply, refusal: Refusal) {
  return reply.status(refusal.status).send({ error: refusal.error, message: refusal.message });
}

async function handleDoor(
  deps: FormRouteDeps,
  door: FastifyInstance,
  provider: FormProvider,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const off = formsOff(deps);
  if (off) return send(reply, off);
  const secret = deps.forms.secret as string;
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const auth = checkFormAuth(provider, {
    secret,
    headers: request.headers,
    rawBody: raw,
    pathToken: (request.params as { token?: string }).token,
  });
  if (!auth.ok) {
    request.log.warn({ provider, reason: auth.reason }, "form submission refused: authentication");
    return send(reply, { status: 401, error: "unauthorized", message: auth.reason });
  }
  const parsed = await readBody(door, provider, request, raw, deps.forms.answerField);
  if ("status" in parsed) return refuse(deps, request, reply, provider, parsed);
  if (parsed.kind === "test") {
    request.log.info({ provider }, "form connection test");
    return reply.status(200).send({ ok: true, test: true });
  }
  if (parsed.kind === "invalid") {
    return refuse(deps, request, reply, provider, {
      status: 400,
      error: "invalid_body",
      message: parsed.message,
    });
  }
  const answer = takeFormSubmission(deps, provider, parsed.submission);
  if (!answer.ok) return refuse(deps, request, reply, provider, answer.refusal);
  request.log.info(
    {
      provider,
      replayed: answer.replayed,
      status: answer.statusCode,
      attributes: answer.attributes,
      dropped: answer.dropped,
    },
    "form submission",
  );
  return reply.status(answer.statusCode).send(answer.body);
}

/** A refusal after authentication: logged, told to the organisers watching for a test, answered. */
function refuse(
  deps: FormRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  provider: FormProvider,
  refusal: Refusal,
) {
  // The message names settings and fields only, never a value: it may be logged and reported.
  request.log.warn({ provider, error: refusal.error, reason: refusal.message }, "form submission refused");
  try {
    reportRefusal(deps, provider, refusal);
  } catch (error) {
    // The sender still gets its refusal; the organisers miss one report.
    request.log.error({ provider, err: error }, "form refusal not reported to watchers");
  }
  return send(reply, refusal);
}

/** Decodes the bytes as UTF-8 and parses them as the door's media type says. */
async function readBody(
  door: FastifyInstance,
  provider: FormProvider,
  request: FastifyRequest,
  raw: Buffer,
  answerField: string | null,
): Promise<ParsedForm | Refusal> {
  const decoded = decodeBody(request.headers["content-type"], raw);
  if (!decoded.ok) return { status: decoded.status, error: decoded.error, message: decoded.message };
  if (formContentType(provider) !== "application/json") {
    return parseForm(provider, { text: decoded.text }, { answerField });
  }
  const parseJson = door.getDefaultJsonParser("error", "error");
  const json = await new Promise<{ ok: true; value: unknown } | { ok: false }>((resolve) =>
    parseJson(request, decoded.text, (error, value) => resolve(error ? { ok: false } : { ok: true, value })),
  );
  // Fastify's message quotes the body: say only what is wrong.
  if (!json.ok) {
    const forbidden = prototypeKeyError(decoded.text);
    return forbidden === undefined
      ? { status: 400, error: "invalid_json", message: "the body is not valid JSON" }
      : { status: 400, error: "forbidden_key", message: forbidden.message };
  }
  return parseForm(provider, { json: json.value }, { answerField });
}
