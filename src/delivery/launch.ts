import { recordAdminAction } from "../audience/audit.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { Language } from "../db/schema.js";
import { BroadcastNotFoundError, BroadcastStateError, type Broadcasts } from "./broadcasts.js";

export interface LaunchRequest {
  draftId: number;
  /** Who launches it, from which chat (it watches the broadcast) and in which language. */
  organiser: { id: number; chatId: number; language: Language };
  /** Ids and settings for the audit row, beside the broadcast's id: never message texts or people's data. */
  detail?: Record<string, unknown>;
  /** Writes that happen with the launch or not at all (the end of the dialog that launched it). */
  alongside?: () => void;
}

/**
 * What became of a Launch press: "launched"; "already" launched (a double tap, an old button after
 * a restart); or "gone", the draft was discarded. Ids only: a dialog keeps this in its stored log.
 */
export interface LaunchOutcome {
  id: number;
  result: "launched" | "already" | "gone";
}

/**
 * An organiser launches a draft: the launch, its watch chat, the audit row and `alongside` are one
 * transaction, so all of them happen or none does, and a second press is told what became of the
 * first. Delivery is woken by the launch itself (Broadcasts' onChange).
 */
export function launchBroadcast(
  deps: { broadcasts: Broadcasts; db: Db; clock: Clock },
  request: LaunchRequest,
): LaunchOutcome {
  const { organiser } = request;
  try {
    const row = deps.broadcasts.launch(request.draftId, {
      watch: { chatId: organiser.chatId, language: organiser.language },
      alongside: (launched) => {
        recordAdminAction(deps.db, {
          actorId: organiser.id,
          chatId: organiser.chatId,
          action: "broadcast.launch",
          detail: { broadcast: launched.id, ...request.detail },
          at: deps.clock.now(),
        });
        request.alongside?.();
      },
    });
    return { id: row.id, result: "launched" };
  } catch (error) {
    if (error instanceof BroadcastStateError) return { id: request.draftId, result: "already" };
    if (error instanceof BroadcastNotFoundError) return { id: request.draftId, result: "gone" };
    throw error;
  }
}
