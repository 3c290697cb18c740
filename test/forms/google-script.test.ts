import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { FORM_TOKEN_HEADER, formToken } from "../../src/forms/providers.js";
import { googleAppsScript } from "../../src/forms/sources/google.js";
import { PERSONAL } from "./bodies.js";
import { FORM_SECRET, type FormHarness, formHarness } from "./harness.js";

const ATTENDEE = 700_000_004;
const URL = "https://herald.example.com/webhooks/forms/google";

interface Fetched {
  url: string;
  options: { method: string; contentType: string; headers: Record<string, string>; payload: string };
}

/** Runs the script as Apps Script would, on a form response with these answers (title → answer). */
function runScript(script: string, answers: Record<string, string | string[]>): Fetched[] {
  const fetched: Fetched[] = [];
  const itemResponses = Object.entries(answers).map(([title, value], i) => ({
    getItem: () => ({ getTitle: () => title, getId: () => 1000 + i }),
    getResponse: () => value,
  }));
  const context = {
    UrlFetchApp: { fetch: (url: string, options: Fetched["options"]) => fetched.push({ url, options }) },
    event: { response: { getId: () => "2_ABaOnud-g7", getItemResponses: () => itemResponses } },
  };
  runInNewContext(`${script}\nsendToHerald(event);`, context);
  return fetched;
}

const open: FormHarness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

describe("googleAppsScript", () => {
  it("posts only the listed questions with the token, and Herald accepts what it posts", async () => {
    const h = formHarness({
      FORM_FIELDS: "city=City,track=Tracks",
      FORM_PROVIDER: "google",
      FORM_REF_PARAM: "entry.1",
    });
    open.push(h);
    h.subscribe(ATTENDEE);
    const token = formToken(FORM_SECRET, "google");
    const script = googleAppsScript(URL, token, ["city", "Tracks", "ref"]);
    const [call, ...more] = runScript(script, {
      "Ваше имя": PERSONAL[3],
      "E-mail": PERSONAL[4],
      " City ": "Kazan",
      Tracks: ["Backend", "Data"],
      ref: h.deepLinks.formReference(ATTENDEE),
    });
    expect(more).toEqual([]);
    expect(call?.url).toBe(URL);
    expect(call?.options).toMatchObject({
      method: "post",
      contentType: "application/json",
      headers: { "X-Herald-Form-Token": token },
    });
    const payload = call?.options.payload ?? "";
    for (const value of PERSONAL) expect(payload).not.toContain(value);

    const response = await h.send({
      method: "POST",
      url: "/webhooks/forms/google",
      headers: { "content-type": "application/json", [FORM_TOKEN_HEADER]: token },
      payload,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ binding: "bound" });
    expect(JSON.parse(String(h.rows("registrations")[0]?.attributes))).toEqual({
      city: "Kazan",
      track: "Backend, Data",
    });
  });

  it("sends every answer when given no list, and keeps the URL and token intact whatever they hold", () => {
    const script = googleAppsScript('https://h.example.com/"x\\', "tok'\"en");
    const [call] = runScript(script, { A: "1", B: "2" });
    expect(call?.url).toBe('https://h.example.com/"x\\');
    expect(call?.options.headers["X-Herald-Form-Token"]).toBe("tok'\"en");
    expect(JSON.parse(call?.options.payload ?? "{}")).toEqual({
      response_id: "2_ABaOnud-g7",
      answers: [
        { id: "1000", title: "A", value: "1" },
        { id: "1001", title: "B", value: "2" },
      ],
    });
  });
});
