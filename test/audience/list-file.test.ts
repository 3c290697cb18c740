import { describe, expect, it } from "vitest";
import { parseListFile } from "../../src/audience/list-file.js";

function values(content: string | Buffer): string[] {
  return parseListFile(content).entries.map((entry) => entry.value);
}

describe("parseListFile: plain lists", () => {
  it("reads a TXT of answer numbers, one per line", () => {
    const result = parseListFile("A1\nB22\n  c333  \n");
    expect(result.errors).toEqual([]);
    expect(result.key).toBe("answer_id");
    expect(result.columns).toEqual([]);
    expect(result.entries).toEqual([
      { value: "A1", attributes: {} },
      { value: "B22", attributes: {} },
      { value: "c333", attributes: {} },
    ]);
    expect(result.duplicates).toEqual({ values: [], lines: 0 });
  });

  it("decodes a UTF-8 Buffer with a BOM and CRLF line endings", () => {
    const buffer = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("A1\r\nA2\r\n\r\nA3\r\n")]);
    const result = parseListFile(buffer);
    expect(result.errors).toEqual([]);
    expect(result.entries.map((entry) => entry.value)).toEqual(["A1", "A2", "A3"]);
  });

  it("strips a BOM from a string and accepts bare CR line endings", () => {
    expect(values("\uFEFFanswer_id\rA1\rA2")).toEqual(["A1", "A2"]);
  });

  it("ignores blank lines, comment lines and rows of empty cells", () => {
    const result = parseListFile(
      "# exported from the form\n\n   \nanswer_id,hall\n# VIP first\nA1,Red\n,,\nA2,Blue\n",
    );
    expect(result.errors).toEqual([]);
    expect(result.entries).toEqual([
      { value: "A1", attributes: { hall: "Red" } },
      { value: "A2", attributes: { hall: "Blue" } },
    ]);
  });

  it("counts line numbers in the file, comments and blank lines included", () => {
    const result = parseListFile("# comment\n\nA1\nbad-one\n");
    expect(result.errors).toEqual([
      { line: 4, reason: '"bad-one" is not an answer number (letters and digits, up to 40)' },
    ]);
  });

  it("reads a telegram_id list", () => {
    const result = parseListFile("telegram_id\n123456789\n100000000000000\n");
    expect(result.errors).toEqual([]);
    expect(result.key).toBe("telegram_id");
    expect(result.entries.map((entry) => entry.value)).toEqual(["123456789", "100000000000000"]);
  });

  it.each([
    ["answer", "answer_id"],
    ["Answer_Number", "answer_id"],
    ["TG_ID", "telegram_id"],
    ["telegram", "telegram_id"],
    ["Telegram ID", "telegram_id"],
  ])("accepts %j as the key header", (header, key) => {
    const result = parseListFile(`${header}\n42\n`);
    expect(result.errors).toEqual([]);
    expect(result.key).toBe(key);
    expect(result.entries).toEqual([{ value: "42", attributes: {} }]);
  });

  it("rejects telegram IDs that are not positive integers of up to 15 digits", () => {
    const result = parseListFile("telegram_id\n0\n0123\n-5\n1234567890123456\n12.5\n@someone\n7\n");
    expect(result.errors.map((error) => error.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(result.errors[0]?.reason).toBe(
      '"0" is not a Telegram ID (a positive whole number, up to 15 digits)',
    );
    expect(result.entries).toEqual([]);
  });
});

describe("parseListFile: headers and attributes", () => {
  const expected = [
    { value: "A1", attributes: { hall: "Red", seat: "12" } },
    { value: "A2", attributes: { hall: "Blue", seat: "" } },
  ];

  it.each([
    ["comma", "answer_id,hall,seat\nA1,Red,12\nA2,Blue,\n"],
    ["semicolon", "answer_id;hall;seat\nA1;Red;12\nA2;Blue;\n"],
    ["tab", "answer_id\thall\tseat\nA1\tRed\t12\nA2\tBlue\t\n"],
  ])("reads attributes separated by a %s", (_name, content) => {
    const result = parseListFile(content);
    expect(result.errors).toEqual([]);
    expect(result.columns).toEqual(["hall", "seat"]);
    expect(result.entries).toEqual(expected);
  });

  it("prefers ; over , so commas can stay inside values", () => {
    const result = parseListFile("answer_id;hall\nA1;Red, upstairs\n");
    expect(result.entries).toEqual([{ value: "A1", attributes: { hall: "Red, upstairs" } }]);
  });

  it("lowercases and trims column names and trims values", () => {
    const result = parseListFile(" Answer_ID , Hall \n A1 ,  Red  \n");
    expect(result.errors).toEqual([]);
    expect(result.columns).toEqual(["hall"]);
    expect(result.entries).toEqual([{ value: "A1", attributes: { hall: "Red" } }]);
  });

  it("reads quoted fields with delimiters and doubled quotes inside", () => {
    const content = 'answer_id,hall,note\n"A1","Red, upstairs","say ""hi"""\nA2, "Blue" ,""\n';
    const result = parseListFile(content);
    expect(result.errors).toEqual([]);
    expect(result.entries).toEqual([
      { value: "A1", attributes: { hall: "Red, upstairs", note: 'say "hi"' } },
      { value: "A2", attributes: { hall: "Blue", note: "" } },
    ]);
  });

  it("reports a quote left open and text after a closing quote", () => {
    const result = parseListFile('answer_id,hall\nA1,"Red\nA2,"Blue"x\nA3,Green\n');
    expect(result.errors).toEqual([
      { line: 2, reason: 'a quoted value is not closed: "Red"' },
      { line: 3, reason: 'unexpected text "x" after a closing quote' },
    ]);
    expect(result.entries).toEqual([]);
  });

  it("accepts a 256-character value and refuses a longer one", () => {
    const ok = "x".repeat(256);
    const long = "y".repeat(257);
    const result = parseListFile(`answer_id,hall\nA1,${ok}\nA2,${long}\n`);
    expect(result.errors).toEqual([
      { line: 3, reason: `the hall value "${"y".repeat(40)}…" is longer than 256 characters` },
    ]);
  });

  it("tolerates empty padding columns that spreadsheets add on the right", () => {
    const result = parseListFile("answer_id,hall,,\nA1,Red,,\nA2,,\n");
    expect(result.errors).toEqual([]);
    expect(result.columns).toEqual(["hall"]);
    expect(result.entries).toEqual([
      { value: "A1", attributes: { hall: "Red" } },
      { value: "A2", attributes: { hall: "" } },
    ]);
  });

  it("names expected and actual counts when a line has the wrong number of cells", () => {
    const result = parseListFile("answer_id,hall,seat\nA1,Red\nA2,Blue,3,extra\nA3,Green,4\n");
    expect(result.errors).toEqual([
      { line: 2, reason: "expected 3 cells (answer_id, hall, seat), found 2" },
      { line: 3, reason: "expected 3 cells (answer_id, hall, seat), found 4" },
    ]);
    expect(result.entries).toEqual([]);
  });

  it("asks for a header when a line has several cells without one", () => {
    const result = parseListFile("A1,Red\nA2\n");
    expect(result.errors).toEqual([
      { line: 1, reason: "2 values on one line but no header; add a header line: answer_id,<attribute>,…" },
    ]);
  });

  it("refuses columns that look like personal data", () => {
    const result = parseListFile("answer_id,hall,Phone,e-mail,First Name\nA1,Red,+1555,a@b.c,Ann\n");
    expect(result.errors).toEqual([
      {
        line: 1,
        reason: 'column "phone" looks like personal data; Herald stores no personal data, so remove it',
      },
      {
        line: 1,
        reason: 'column "e-mail" looks like personal data; Herald stores no personal data, so remove it',
      },
      {
        line: 1,
        reason: 'column "first name" looks like personal data; Herald stores no personal data, so remove it',
      },
    ]);
    expect(result.entries).toEqual([]);
  });

  it("refuses values that hold an e-mail address or a phone number, naming the line and column", () => {
    const result = parseListFile(
      "answer_id,hall,note\nA1,Red,ok\nA2,Blue,ann@example.org\nA3,Red,+7 912 345-67-89\n",
    );
    expect(result.errors).toEqual([
      { line: 3, reason: "the note value holds an e-mail address; Herald stores no personal data" },
      { line: 4, reason: "the note value holds a phone number; Herald stores no personal data" },
    ]);
  });

  it.each(["ticket_url", "telegram_id", "answer_id"])("refuses the reserved column %s", (column) => {
    const result = parseListFile(`answer_id,${column}\nA1,x\n`);
    expect(result.errors).toEqual([{ line: 1, reason: `column "${column}" is a reserved name; rename it` }]);
  });

  it("refuses invalid and repeated column names, with the header's line number", () => {
    const result = parseListFile(
      `# header below\nanswer_id,hall,1st,hall,,${"a".repeat(33)}\nA1,a,b,c,d,e\n`,
    );
    expect(result.errors).toEqual([
      {
        line: 2,
        reason: '"1st" is not a valid column name (a-z, 0-9 and _, starting with a letter, up to 32)',
      },
      { line: 2, reason: 'column "hall" appears more than once' },
      { line: 2, reason: "column 5 has no name" },
      {
        line: 2,
        reason: `"${"a".repeat(33)}" is not a valid column name (a-z, 0-9 and _, starting with a letter, up to 32)`,
      },
    ]);
  });

  it("requires the key column to come first", () => {
    const result = parseListFile("hall,answer_id\nRed,A1\n");
    expect(result.errors).toEqual([
      { line: 1, reason: 'the key column "answer_id" must be the first column' },
    ]);
    expect(result.entries).toEqual([]);
  });
});

describe("parseListFile: duplicates and errors", () => {
  it("keeps the first occurrence and counts repeats without failing", () => {
    const result = parseListFile("answer_id,hall\nA1,Red\nA2,Blue\nA1,Green\nA1,Red\nA2,Blue\nA3,Red\n");
    expect(result.errors).toEqual([]);
    expect(result.entries).toEqual([
      { value: "A1", attributes: { hall: "Red" } },
      { value: "A2", attributes: { hall: "Blue" } },
      { value: "A3", attributes: { hall: "Red" } },
    ]);
    expect(result.duplicates).toEqual({ values: ["A1", "A2"], lines: 3 });
  });

  it("collects every malformed line and imports nothing", () => {
    const long = "Z".repeat(45);
    const result = parseListFile(`A1\n12a-x\nA2\n${long}\nA 3\nA4\n`);
    expect(result.errors).toEqual([
      { line: 2, reason: '"12a-x" is not an answer number (letters and digits, up to 40)' },
      { line: 4, reason: `"${"Z".repeat(40)}…" is not an answer number (letters and digits, up to 40)` },
      { line: 5, reason: '"A 3" is not an answer number (letters and digits, up to 40)' },
    ]);
    expect(result.entries).toEqual([]);
  });

  it("reports several problems on one line", () => {
    const result = parseListFile(`answer_id,hall\n"",${"h".repeat(300)}\n`);
    expect(result.errors).toEqual([
      { line: 2, reason: "the answer number is empty" },
      { line: 2, reason: `the hall value "${"h".repeat(40)}…" is longer than 256 characters` },
    ]);
  });

  it("reports an empty file", () => {
    for (const content of ["", "\n\n", "# only a comment\n", Buffer.alloc(0), "answer_id,hall\n"]) {
      const result = parseListFile(content);
      expect(result.errors).toEqual([{ line: 1, reason: "the file has no values" }]);
      expect(result.entries).toEqual([]);
    }
  });

  it("reports a file with more lines than allowed, once", () => {
    const result = parseListFile("answer_id\nA1\nA2\nA3\nA4\n", { maxLines: 2 });
    expect(result.errors).toEqual([{ line: 4, reason: "the file has more than 2 lines" }]);
    expect(result.entries).toEqual([]);
    expect(parseListFile("answer_id\nA1\nA2\n", { maxLines: 2 }).errors).toEqual([]);
  });

  it("allows 200000 lines by default", () => {
    const lines = Array.from({ length: 200_001 }, (_, index) => `A${index}`);
    expect(parseListFile(lines.slice(0, 200_000).join("\n")).errors).toEqual([]);
    expect(parseListFile(lines.join("\n")).errors).toEqual([
      { line: 200_001, reason: "the file has more than 200000 lines" },
    ]);
  });

  it("refuses a file that is not UTF-8, naming the first bad line", () => {
    // "Зал" in Windows-1251, as Excel saves a plain "CSV" on a Russian system.
    const cp1251 = Buffer.concat([
      Buffer.from("answer_id,hall\nA1,"),
      Buffer.from([0xc7, 0xe0, 0xeb]),
      Buffer.from("\n"),
    ]);
    const result = parseListFile(cp1251);
    expect(result.errors).toEqual([
      { line: 2, reason: "the file is not UTF-8 text; save it as “CSV UTF-8” and upload again" },
    ]);
    expect(result.entries).toEqual([]);
  });

  it("keeps non-ASCII attribute values from a UTF-8 file", () => {
    const result = parseListFile(Buffer.from("answer_id;hall\nA1;Зал «Б»\n", "utf8"));
    expect(result.entries).toEqual([{ value: "A1", attributes: { hall: "Зал «Б»" } }]);
  });
});
