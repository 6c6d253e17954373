// Reading inputs from disk: a table of bad and odd files, directories, globs, a mixed batch.
import { readAll } from "./support/setup.ts";
import { describe, it, expect, beforeAll } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReadItem, ReadOptions } from "../src/article/index.ts";
import type { Article } from "../src/core/types.ts";

const GERMAN = [
  "Die Gemeinde Küssnacht hat am Montag beschlossen, die alte Turnhalle im Dorfzentrum zu sanieren.",
  "Die Arbeiten sollen im Sommer beginnen und rund ein Jahr dauern, wie der Gemeinderat mitteilte.",
  "Während der Bauzeit weichen die Vereine in die Halle der Nachbargemeinde aus, was für manche längere Wege bedeutet.",
  "Die Kosten von knapp vier Millionen Franken werden zum grössten Teil über Steuern finanziert.",
  "Die Bevölkerung kann sich an einem Informationsabend im März über das Projekt informieren.",
];
const ENGLISH = [
  "The city council approved a plan on Tuesday to plant two thousand new trees along its main streets.",
  "Work is to start in the autumn and should be finished within three years, a spokeswoman said.",
  "Residents will be able to suggest locations for the trees on a public website run by the city.",
  "The project costs about six million francs and is paid for from the climate fund.",
  "Critics said the money would be better spent on cheaper public transport for families.",
];
const germanText = (eol = "\n") => ["Turnhalle in Küssnacht wird saniert", "Publiziert: 03.02.2031, 08:00", ...GERMAN, "(sda)"].join(eol);
const englishText = (title = "City to plant two thousand trees") => [title, "Published: February 3, 2031", ...ENGLISH, "© AFP"].join("\n");

type Row = {
  name: string;
  /** File (or directory, when undefined) to create; null creates nothing. */
  content?: string | Uint8Array | null;
  dir?: boolean;
  options?: ReadOptions;
  article?: Partial<Article>;
  error?: RegExp;
};

const rows: Row[] = [
  { name: "photo.png", content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), error: /photo\.png: binary data \(looks like a PNG image\), not an article$/ },
  { name: "report.txt", content: "%PDF-1.4\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", error: /report\.txt: binary data \(looks like a PDF\), not an article$/ },
  { name: "bundle.md", content: Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(30)]), error: /bundle\.md: binary data \(looks like a zip archive\), not an article$/ },
  { name: "latin1.txt", content: Buffer.from(germanText(), "latin1"), article: { title: "Turnhalle in Küssnacht wird saniert", lang: "de", credit: "sda", published: "2031-02-03T08:00" } },
  { name: "utf16.txt", content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(englishText(), "utf16le")]), article: { title: "City to plant two thousand trees", lang: "en", credit: "AFP", published: "2031-02-03" } },
  { name: "bom.md", content: `\ufeff---\ntitle: Trees\nlang: en\n---\n\n${ENGLISH.join("\n\n")}\n`, article: { title: "Trees", lang: "en", paragraphs: ENGLISH } },
  { name: "crlf.txt", content: germanText("\r\n"), article: { title: "Turnhalle in Küssnacht wird saniert", paragraphs: GERMAN } },
  { name: "cr-only.txt", content: germanText("\r"), article: { title: "Turnhalle in Küssnacht wird saniert", paragraphs: GERMAN } },
  { name: "no-extension", content: englishText(), article: { title: "City to plant two thousand trees" } },
  { name: "empty.txt", content: "", error: /empty\.txt: empty file$/ },
  { name: "blank.txt", content: "  \n\n\t \r\n ", error: /blank\.txt: empty file$/ },
  { name: "huge.txt", content: Buffer.from(englishText().repeat(8)).subarray(0, 3072), options: { maxBytes: 1000 }, error: /huge\.txt: file is 3 KB, over the 1000 bytes limit \(--max-bytes\)$/ },
  {
    name: "consent.html",
    content: `<html lang="en"><body><h1>Before you continue</h1><p>We use cookies and data to deliver and maintain our services. Accept all or reject all.</p><button>Accept all</button></body></html>`,
    error: /consent\.html: a cookie-consent page, not an article$/,
  },
  { name: "captcha.txt", content: "Please verify you are a human\nPress and hold the button.\n", error: /captcha\.txt: a captcha page, not an article$/ },
  {
    name: "dump.txt",
    content: ["id;date;station;temp;rain", ...Array.from({ length: 60 }, (_, i) => `${i};2031-01-${String((i % 28) + 1).padStart(2, "0")};ZRH;${(i * 0.37).toFixed(2)};${i % 7}.0`)].join("\n"),
    error: /dump\.txt: not natural language text$/,
  },
  {
    name: "blob.txt",
    content: `Attachment\n${Buffer.from(GERMAN.join(" ").repeat(3)).toString("base64").replace(/(.{76})/g, "$1\n")}`,
    error: /blob\.txt: not natural language text$/,
  },
  { name: "missing.txt", content: null, error: /missing\.txt: no such file or directory$/ },
  { name: "empty-dir", dir: true, error: /empty-dir: no article files in directory$/ },
  { name: "no-*-match.md", content: null, error: /no-\*-match\.md: no files match$/ },
];

describe("reading files: bad and odd inputs", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "nd-inputs-"));
    for (const row of rows) {
      if (row.dir) {
        mkdirSync(join(root, row.name));
        writeFileSync(join(root, row.name, "notes.csv"), "a,b\n1,2\n"); // not an article file
      } else if (row.content !== null && row.content !== undefined) writeFileSync(join(root, row.name), row.content);
    }
  });

  it.each(rows)("$name", async (row) => {
    const items = await readAll([join(root, row.name)], row.options);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    if (row.error) {
      expect("error" in item, `expected an error, got ${JSON.stringify(item)}`).toBe(true);
      if (!("error" in item)) return;
      expect(item.error.message).toMatch(row.error);
      expect(item.error.message.startsWith(join(root, row.name))).toBe(true);
      expect(item.error.message).not.toContain("\n");
    } else {
      if ("error" in item) throw item.error;
      expect(item.article).toMatchObject(row.article!);
      expect(item.article.source.path).toBe(join(root, row.name));
    }
  });
});

describe("reading a batch directory", () => {
  it("yields every good article and one error per bad file, in sorted order, skipping non-article files", async () => {
    const root = mkdtempSync(join(tmpdir(), "nd-batch-"));
    mkdirSync(join(root, "inbox", "monday"), { recursive: true });
    mkdirSync(join(root, "inbox", ".drafts"));
    mkdirSync(join(root, "inbox", "node_modules"));
    writeFileSync(join(root, "inbox", "a-trees.txt"), englishText());
    writeFileSync(join(root, "inbox", "b-broken.png.txt"), Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    writeFileSync(join(root, "inbox", "c-feed.jsonl"), `${JSON.stringify({ title: "Trees", body: ENGLISH.join("\n\n") })}\n{oops\n`);
    writeFileSync(join(root, "inbox", "d-empty.md"), "");
    writeFileSync(join(root, "inbox", "monday", "e-turnhalle.txt"), germanText());
    writeFileSync(join(root, "inbox", "monday", "photo.jpg"), Buffer.from([0xff, 0xd8, 0xff]));
    writeFileSync(join(root, "inbox", ".drafts", "draft.txt"), englishText("Draft"));
    writeFileSync(join(root, "inbox", "node_modules", "x.md"), englishText("Dependency"));

    const items = await readAll([join(root, "inbox")]);
    const summary = items.map((i) => ("article" in i ? `ok ${i.article.title}` : `error ${i.error.message.slice(root.length)}`));
    expect(summary).toEqual([
      "ok City to plant two thousand trees",
      expect.stringMatching(/^error \/inbox\/b-broken\.png\.txt: binary data \(looks like a JPEG image\)/),
      "ok Trees",
      expect.stringMatching(/^error \/inbox\/c-feed\.jsonl:2: invalid JSON/),
      "error /inbox/d-empty.md: empty file",
      "ok Turnhalle in Küssnacht wird saniert",
    ]);
  });

  it("expands globs and reports a missing path next to good ones", async () => {
    const root = mkdtempSync(join(tmpdir(), "nd-glob-"));
    writeFileSync(join(root, "one.txt"), englishText("First tree story"));
    writeFileSync(join(root, "two.txt"), englishText("Second tree story"));
    writeFileSync(join(root, "three.md"), englishText("Not matched"));
    const items = await readAll([join(root, "*.txt"), join(root, "gone.txt")]);
    expect(items.map((i) => ("article" in i ? i.article.title : i.error.problem))).toEqual([
      "First tree story",
      "Second tree story",
      "no such file or directory",
    ]);
  });

  it("reports an unreadable --debris-file once instead of reading without it", async () => {
    const items = await readAll(["samples/putin-beijing.txt"], { debrisFile: "/nonexistent/debris.txt" });
    expect(items).toHaveLength(1);
    expect("error" in items[0]! && items[0].error.message).toBe("/nonexistent/debris.txt: debris file: no such file or directory");
  });
});
