import { Composer } from "grammy";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { isOrganiser } from "../../filters/is-organiser.js";
import { auditTrail } from "./audit.js";
import { broadcastsFeature } from "./broadcasts.js";
import { dialogsFeature } from "./dialogs.js";
import { formsFeature } from "./forms.js";
import { helpFeature } from "./help.js";
import { menuFeature } from "./menu.js";
import { answerRefusals } from "./refusals.js";
import { scenariosFeature } from "./scenarios.js";
import { segmentsFeature } from "./segments.js";
import { statsFeature } from "./stats.js";
import { templatesFeature } from "./templates.js";
import { uploadFeature } from "./upload.js";

export { DIALOG_VERSION } from "./dialogs.js";

/**
 * The organisers' cockpit: menus, the compose dialog, broadcast controls, list uploads and stats.
 * Only organisers reach it (recogniseOrganisers marked them before); for everyone else it does not
 * exist and their updates fall through to the attendee features. Order matters: the audit first,
 * then the dialogs (an open dialog takes the organiser's next message), then the commands and
 * buttons, then uploads (a document captioned with a command is that command), the help last.
 */
export function cockpitFeature(deps: BotDeps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  const organiser = composer.filter(isOrganiser);
  organiser.use(auditTrail(deps), dialogsFeature(deps));
  organiser.errorBoundary(
    answerRefusals(deps),
    menuFeature(deps),
    broadcastsFeature(deps),
    templatesFeature(deps),
    segmentsFeature(deps),
    statsFeature(deps),
    scenariosFeature(deps),
    formsFeature(deps),
    uploadFeature(deps),
    helpFeature(deps),
  );
  return composer;
}
