import { InlineKeyboard } from "grammy";
import { recordAdminAction } from "../../audience/audit.js";
import { type PreviewSample, previewSample } from "../../audience/preview-sample.js";
import { type BroadcastContent, BroadcastNotFoundError, type Broadcasts } from "../../delivery/broadcasts.js";
import { launchBroadcast } from "../../delivery/launch.js";
import { sendContent } from "../../delivery/send-content.js";
import { confirmButton } from "../callback-data.js";
import type { DialogContext } from "../context.js";
import { describeError } from "../describe-error.js";
import { dialogKeyOf, endDialog } from "../dialog-storage.js";
import { fill, type Messages } from "../locales/index.js";
import { braces, titleOf } from "./broadcast-content.js";
import type { Audience, ComposeSession, Plan } from "./compose-session.js";
import { texted } from "./dialog-io.js";

const TEMPLATE_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.-]{0,47}$/u;

export interface Composed {
  content: BroadcastContent;
  audience: Audience;
  plan: Plan;
}

/**
 * What a Launch button says when its broadcast has gone already (a double tap, an old message, a
 * press after a restart): "already launched as #N". Undefined for anything else.
 */
export function launchedAnswer(
  broadcasts: Broadcasts,
  data: string | undefined,
  m: Messages,
): string | undefined {
  const confirm = confirmButton.decode(data);
  if (confirm?.action !== "launch") return undefined;
  try {
    const row = broadcasts.get(confirm.draftId);
    return row.status === "draft" ? undefined : fill(m.alreadyLaunched, { id: row.id });
  } catch (error) {
    if (error instanceof BroadcastNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Step 5: the preview for a real recipient, then Test send, Launch, Save as a template or Cancel.
 * Only the sample's id and answer number go into the dialog's stored log; its parameters (ticket
 * link, attributes) are read again inside each send.
 */
export async function previewAndConfirm(s: ComposeSession, composed: Composed): Promise<void> {
  const { io, m, conversation, chatId } = s;
  const { content } = composed;
  const { segments, sqlite } = s.deps.cockpit;
  const sample = await conversation.external(() =>
    previewSample({ sqlite, segments, paramsOf: s.paramsOf }, content, composed.audience.rule),
  );
  const paramsOfSample = () => (sample.id === null ? {} : s.paramsOf(sample.id));
  const refused = await conversation.external((outer) =>
    sendContent(outer.api, chatId, content, paramsOfSample()).then(
      () => null,
      (error: unknown) => reasonOf(error),
    ),
  );
  if (refused !== null) {
    await io.say(fill(m.previewFailed, { reason: refused }));
    return;
  }

  const draftId = await createDraft(s, composed);
  const button = (text: string, action: "test" | "launch" | "save" | "cancel") =>
    [text, confirmButton.encode({ action, draftId })] as const;
  const confirmKeyboard = new InlineKeyboard()
    .text(...button(m.confirmTest, "test"))
    .text(...button(m.confirmLaunch, "launch"))
    .row()
    .text(...button(m.confirmSave, "save"))
    .text(...button(m.confirmCancel, "cancel"));
  const ofThisDraft = (x: DialogContext) => confirmButton.decode(x.callbackQuery?.data)?.draftId === draftId;
  // One message under the preview, not one before and one after: a private chat takes about one a second.
  const intro = sample.answer ? fill(m.previewIntro, { answer: sample.answer }) : m.previewIntroNoAnswer;
  await io.say(intro + missingWarning(m, sample), { reply_markup: confirmKeyboard });
  for (;;) {
    const c = await s.input(ofThisDraft, m.confirmPrompt);
    const action = confirmButton.decode(c.callbackQuery?.data)?.action;
    if (action === "launch") {
      await launchDraft(s, c, draftId, composed);
      return;
    }
    await io.answer(c);
    if (action === "cancel") {
      await discardDraft(s);
      return;
    }
    if (action === "test") {
      const failed = await testSend(s, content, paramsOfSample);
      await io.say(failed === null ? m.testSent : fill(m.testFailed, { reason: failed }), {
        reply_markup: confirmKeyboard,
      });
      continue;
    }
    const name = await saveAsTemplate(s, content);
    await io.say(fill(m.templateSaved, { name }), { reply_markup: confirmKeyboard });
  }
}

/** The line under the preview that says how many would see a blank, and how to write a fallback. */
function missingWarning(m: Messages, sample: PreviewSample): string {
  const first = sample.missing?.[0];
  if (!sample.lacking || first === undefined) return "";
  return `\n\n${fill(m.previewMissingParams, {
    count: sample.lacking,
    total: sample.total ?? sample.lacking,
    names: braces(sample.missing ?? []),
    example: `{${first}|…}`,
  })}`;
}

/**
 * From here the broadcast exists as a draft, and every button of the last step names it: Launch
 * can launch this draft once however often, and whenever, it is pressed (see Broadcasts.launch).
 */
function createDraft(s: ComposeSession, { content, audience, plan }: Composed): Promise<number> {
  return s.conversation.external(
    (outer) =>
      s.deps.cockpit.broadcasts.create({
        title: titleOf(content),
        content,
        audience: audience.rule,
        paid: plan.paid,
        urgent: plan.urgent,
        silent: plan.silent,
        ...(plan.scheduledAt !== null ? { scheduledAt: plan.scheduledAt } : {}),
        ...(plan.deadline !== null ? { deadline: plan.deadline } : {}),
        createdBy: s.organiserId,
        watch: { chatId: s.chatId, language: outer.language },
      }).id,
  );
}

/** Cancel: the draft goes with the dialog, in one transaction: neither outlives the other. */
async function discardDraft(s: ComposeSession): Promise<void> {
  const { chatId, organiserId } = s;
  await s.conversation.external(() =>
    s.deps.cockpit.broadcasts.discardDrafts({ createdBy: organiserId, chatId }, () =>
      endDialog(s.deps.db, dialogKeyOf(chatId, organiserId)),
    ),
  );
  await s.io.say(s.m.cancelled);
}

/** The message as the sample recipient would get it, sent to the organiser; the reason if Telegram refused. */
function testSend(
  s: ComposeSession,
  content: BroadcastContent,
  paramsOfSample: () => Parameters<typeof sendContent>[3],
): Promise<string | null> {
  return s.conversation.external((outer) => {
    recordAdminAction(s.deps.db, {
      actorId: s.organiserId,
      chatId: s.chatId,
      action: "broadcast.test",
      at: s.deps.clock.now(),
    });
    return sendContent(outer.api, s.organiserId, content, paramsOfSample()).then(
      () => null,
      (error: unknown) => reasonOf(error),
    );
  });
}

/** Asks for a name until it is a valid one, then saves the message as a template under it. */
async function saveAsTemplate(s: ComposeSession, content: BroadcastContent): Promise<string> {
  const { io, m } = s;
  await io.say(m.templateNamePrompt);
  let name: string;
  for (;;) {
    const n = await s.input(texted, m.templateNamePrompt);
    name = (n.message?.text ?? "").trim();
    if (TEMPLATE_NAME.test(name)) break;
    await io.say(m.templateNameInvalid);
  }
  await s.conversation.external(() => {
    s.deps.cockpit.templates.save({ name, content, by: s.organiserId });
    recordAdminAction(s.deps.db, {
      actorId: s.organiserId,
      chatId: s.chatId,
      action: "template.save",
      detail: { name },
      at: s.deps.clock.now(),
    });
  });
  return name;
}

/**
 * The launch and the end of this dialog are one transaction: the draft becomes running (or
 * scheduled) with its watch chat, the audit row is written and the dialog's stored state is
 * deleted, or none of it happens. A crash before it leaves the dialog at this step (Launch
 * works again, once); after it, an old Launch finds no dialog and is told "already launched".
 * Waking delivery and posting the progress message follow; if a crash cuts them off, the engine
 * and the progress watcher pick the broadcast up from its row.
 */
async function launchDraft(s: ComposeSession, c: DialogContext, draftId: number, composed: Composed) {
  const { io, m, conversation, deps, chatId, organiserId } = s;
  const { audience, plan } = composed;
  // One domain call: the launch, its audit row and the end of this dialog are one transaction.
  const outcome = await conversation.external((outer) =>
    launchBroadcast(
      { broadcasts: deps.cockpit.broadcasts, db: deps.db, clock: deps.clock },
      {
        draftId,
        organiser: { id: organiserId, chatId, language: outer.language },
        detail: { audience: audience.rule, count: audience.count, ...plan },
        alongside: () => endDialog(deps.db, dialogKeyOf(chatId, organiserId)),
      },
    ),
  );
  if (outcome.result === "already") {
    await io.answer(c, { text: fill(m.alreadyLaunched, { id: outcome.id }), show_alert: true });
    return;
  }
  if (outcome.result === "gone") {
    await io.answer(c, { text: m.staleButton, show_alert: true });
    return;
  }
  await io.answer(c);
  // The broadcast is running whatever happens to its progress message: say so either way.
  const shown = await conversation.external(async (outer) => {
    const posted = await deps.cockpit.progress.post(outcome.id);
    if (!posted) outer.logger.error({ broadcast: outcome.id }, "could not post the progress message");
    return posted;
  });
  if (!shown) await io.say(fill(m.launchedWithoutProgress, { id: outcome.id }));
  s.ctx.logger.info({ broadcast: outcome.id }, "broadcast launched from the cockpit");
}

function reasonOf(error: unknown): string {
  const described = describeError(error);
  return String(described.description ?? described.message ?? "unknown error");
}
