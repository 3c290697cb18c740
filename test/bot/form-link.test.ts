import { describe, expect, it } from "vitest";
import { reader, sandbox, startHerald, useCockpitHarness } from "../helpers/cockpit-harness.js";

useCockpitHarness();

const formButton = (message: { reply_markup?: unknown }) =>
  (message.reply_markup as { inline_keyboard: Array<Array<{ url?: string }>> }).inline_keyboard
    .flat()
    .map((button) => button.url)
    .find(Boolean);

describe("the welcome's form link follows FORM_PROVIDER", { timeout: 60_000 }, () => {
  it("Typeform: the signed reference rides in the fragment, where Typeform reads hidden fields", async () => {
    await startHerald({ FORM_URL: "https://form.typeform.com/to/AbCdEf#utm=bot", FORM_PROVIDER: "typeform" });
    const guest = sandbox.createUser({ first_name: "Guest", language_code: "en" });
    sandbox.userStarts(guest.id);
    const welcome = await reader(guest.id).next(/register/);
    const url = new URL(String(formButton(welcome)));
    expect(url.search).toBe("");
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get("utm")).toBe("bot");
    expect(fragment.get("ref")).toMatch(new RegExp(`^r-${guest.id}-[A-Za-z0-9_-]{16}$`));
  });

  it("Google Forms: the reference pre-fills FORM_REF_PARAM's entry", async () => {
    await startHerald({
      FORM_URL: "https://docs.google.com/forms/d/e/1FAIpQLSf_x/viewform?usp=pp_url",
      FORM_PROVIDER: "google",
      FORM_REF_PARAM: "entry.1234567890",
    });
    const guest = sandbox.createUser({ first_name: "Guest", language_code: "en" });
    sandbox.userStarts(guest.id);
    const welcome = await reader(guest.id).next(/register/);
    const url = new URL(String(formButton(welcome)));
    expect(url.searchParams.get("usp")).toBe("pp_url");
    expect(url.searchParams.get("entry.1234567890")).toMatch(new RegExp(`^r-${guest.id}-`));
    expect(url.searchParams.get("ref")).toBeNull();
  });
});
