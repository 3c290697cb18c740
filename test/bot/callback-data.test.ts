import { describe, expect, it } from "vitest";
import {
  audienceButton,
  broadcastButton,
  confirmButton,
  isCockpitButton,
  isDialogButton,
  keepButton,
  menuButton,
  noButtonsButton,
  planButton,
  scenarioButton,
  segmentDeleteButton,
  stepEditButton,
  templateButton,
} from "../../src/bot/callback-data.js";

/**
 * Buttons stay in people's chats across upgrades: each family's data is pinned here byte for byte,
 * and each decodes back to what built it.
 */
describe("callback data", () => {
  const pinned: Array<[string, { encode(v: never): string; decode(d: string): unknown }, unknown]> = [
    ["menu:broadcasts", menuButton, { item: "broadcasts" }],
    ["bc:pause:1", broadcastButton, { action: "pause", id: 1 }],
    ["bc:cancel!:42", broadcastButton, { action: "cancel!", id: 42 }],
    ["tpl:use:7", templateButton, { action: "use", id: 7 }],
    ["tpl:del:7", templateButton, { action: "del", id: 7 }],
    ["seg:del:3", segmentDeleteButton, { id: 3 }],
    ["sc:off:finish_registration", scenarioButton, { action: "off", scenario: "finish_registration" }],
    ["sc:edit:event:2", stepEditButton, { scenario: "event", position: 2 }],
    ["d:nobuttons", noButtonsButton, {}],
    ["d:keep", keepButton, {}],
    ["d:plan:go", planButton, { option: "go" }],
    ["d:ok:launch:12", confirmButton, { action: "launch", draftId: 12 }],
    ["d:aud:all", audienceButton, { kind: "all" }],
    ["d:aud:segments", audienceButton, { kind: "segments" }],
    ["d:aud:stage:ticket_sent", audienceButton, { kind: "stage", stage: "ticket_sent" }],
    ["d:aud:seg:5", audienceButton, { kind: "segment", segmentId: 5 }],
  ];

  it.each(pinned)("%s", (data, codec, value) => {
    expect(codec.encode(value as never)).toBe(data);
    expect(codec.decode(data)).toEqual(value);
  });

  it("decodes only what its family wrote", () => {
    expect(broadcastButton.decode("bc:explode:1")).toBeUndefined();
    expect(broadcastButton.decode("bc:pause:x")).toBeUndefined();
    expect(broadcastButton.decode("bc:pause:1:2")).toBeUndefined();
    expect(scenarioButton.decode("sc:edit:event:2")).toBeUndefined();
    expect(segmentDeleteButton.decode("seg:del")).toBeUndefined();
    expect(noButtonsButton.decode("d:nobuttons:1")).toBeUndefined();
    expect(confirmButton.decode(undefined)).toBeUndefined();
    expect(audienceButton.decode("d:aud:stage:nobody")).toBeUndefined();
    // A family still knows an undecodable press of its own (a dialog step takes and ignores it).
    expect(planButton.matches("d:plan:whatever")).toBe(true);
  });

  it("tells cockpit and dialog presses from everyone else's", () => {
    for (const data of ["d:x", "bc:1", "menu:x", "tpl:x", "seg:x", "sc:x"])
      expect(isCockpitButton(data)).toBe(true);
    for (const data of ["unsub", "lang:en", "bc", "", undefined]) expect(isCockpitButton(data)).toBe(false);
    expect(isDialogButton("d:ok:launch:1")).toBe(true);
    expect(isDialogButton("bc:pause:1")).toBe(false);
  });
});
