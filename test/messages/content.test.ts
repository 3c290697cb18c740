import { describe, expectTypeOf, it } from "vitest";
import type * as Delivery from "../../src/delivery/broadcasts.js";
import type { BroadcastContent, ButtonTemplate, LocalizedContent } from "../../src/messages/content.js";

// The content model moved down into messages/; delivery's copies must stay the same shape until they go.
describe("the content model", () => {
  it("is the shape delivery/broadcasts.ts uses", () => {
    expectTypeOf<ButtonTemplate>().toEqualTypeOf<Delivery.ButtonTemplate>();
    expectTypeOf<LocalizedContent>().toEqualTypeOf<Delivery.LocalizedContent>();
    expectTypeOf<BroadcastContent>().toEqualTypeOf<Delivery.BroadcastContent>();
  });
});
