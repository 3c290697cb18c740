import type { FormField, ParsedForm } from "../form-fields.js";

/**
 * Tilda's webhook: `application/x-www-form-urlencoded`, the fields by their names plus `tranid`
 * (`<project>:<n>`, the submission id) and `formid`. Connecting the webhook sends `test=test`,
 * which Tilda wants answered 200. A name sent twice (several checkboxes) keeps every value.
 */
export function parseTilda(text: string): ParsedForm {
  const params = new URLSearchParams(text);
  if (params.get("test") === "test" && !params.has("tranid")) return { kind: "test" };
  const values = new Map<string, string[]>();
  for (const [name, value] of params) {
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  const fields: FormField[] = [...values].map(([name, list]) => ({ names: [name], value: list.join(", ") }));
  const tranid = params.get("tranid")?.trim();
  return {
    kind: "submission",
    submission: { submissionId: tranid === "" ? undefined : tranid, submissionIdField: "tranid", fields },
  };
}
