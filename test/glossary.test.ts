import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultGlossaryPath, glossaryFor, glossaryPromptText, loadGlossary } from "../src/core/glossary.ts";

const dir = mkdtempSync(join(tmpdir(), "newsdesk-glossary-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("loadGlossary", () => {
  it("reads CSV with quoted fields, comments and blank lines", () => {
    const path = file("g.csv", [
      "source,target_lang,target_term",
      "# names",
      "Vladimir Putin,de,Wladimir Putin",
      "",
      '"Keystone/SDA",de-ch,"Keystone-SDA"',
      '"war, of aggression",de,"Angriffs""krieg"""',
      "",
    ].join("\r\n"));
    expect(loadGlossary(path)).toEqual([
      { source: "Vladimir Putin", target: "de", term: "Wladimir Putin" },
      { source: "Keystone/SDA", target: "de-CH", term: "Keystone-SDA" },
      { source: "war, of aggression", target: "de", term: 'Angriffs"krieg"' },
    ]);
  });

  it("reads JSON with lang/term or target_lang/target_term", () => {
    const path = file("g.json", JSON.stringify([
      { source: "Beijing", lang: "de", term: "Peking" },
      { source: "Moscow", target_lang: "de-CH", target_term: "Moskau" },
    ], null, 2));
    expect(loadGlossary(path)).toEqual([
      { source: "Beijing", target: "de", term: "Peking" },
      { source: "Moscow", target: "de-CH", term: "Moskau" },
    ]);
  });

  it("names FILE:LINE for a bad CSV line", () => {
    const path = file("bad.csv", "source,target_lang,target_term\nBeijing,de,Peking\n\nMoscow,de\n");
    expect(() => loadGlossary(path)).toThrow(`${path}:4: expected 3 fields (source,target_lang,target_term), got 2`);
    const quote = file("quote.csv", 'source,target_lang,target_term\nBeijing,de,Peking\n"Moscow,de,Moskau\n');
    expect(() => loadGlossary(quote)).toThrow(`${quote}:3: unterminated quoted field`);
    const lang = file("lang.csv", "source,target_lang,target_term\nBeijing,deutsch!,Peking\n");
    expect(() => loadGlossary(lang)).toThrow(`${lang}:2: bad language code "deutsch!"`);
    const header = file("header.csv", "from,to\nBeijing,Peking\n");
    expect(() => loadGlossary(header)).toThrow(new RegExp(`^${header.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1: header must be`));
  });

  it("names FILE:LINE for bad JSON and bad entries, in one line", () => {
    const path = file("bad.json", '[\n  {"source": "Beijing", "lang": "de", "term": "Peking"},\n  {"source": "Moscow", "lang": "de"}\n]');
    expect(() => loadGlossary(path)).toThrow(`${path}:3: empty target term`);
    const broken = file("broken.json", '[\n  {"source": "Beijing",\n  "lang": "de" "term": "Peking"}\n]');
    try {
      loadGlossary(broken);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: invalid JSON`));
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("ships a default glossary for the seed's world", () => {
    const entries = loadGlossary(defaultGlossaryPath());
    const de = (source: string) => entries.find((e) => e.source === source && e.target === "de")?.term;
    expect(de("Vladimir Putin")).toBe("Wladimir Putin");
    expect(de("Keystone/SDA")).toBe("Keystone-SDA");
    expect(de("Beijing")).toBe("Peking");
    expect(de("UN Security Council")).toBe("UN-Sicherheitsrat");
    expect(entries.find((e) => e.source === "Wladimir Putin" && e.target === "en")?.term).toBe("Vladimir Putin");
  });
});

describe("glossaryFor", () => {
  const entries = [
    { source: "Beijing", target: "de", term: "Peking" },
    { source: "Keystone/SDA", target: "de", term: "Keystone SDA" },
    { source: "Keystone/SDA", target: "de-CH", term: "Keystone-SDA" },
    { source: "Moscow", target: "en", term: "Moscow" },
    { source: "Kremlin", target: "de", term: "Kreml" },
    { source: "aid", target: "de", term: "Hilfe" },
  ];
  const text = "Beijing's talks with Keystone/SDA. Aid was discussed. The kremlin-style building.";

  it("keeps entries whose source term occurs (whole word, case-sensitive names) for the target's language", () => {
    expect(glossaryFor(entries, text, "de")).toEqual([
      { source: "Beijing", target: "de", term: "Peking" },
      { source: "Keystone/SDA", target: "de", term: "Keystone SDA" },
      { source: "aid", target: "de", term: "Hilfe" },
    ]);
  });

  it("prefers the exact variant over the base language", () => {
    expect(glossaryFor(entries, text, "de-CH").map((e) => e.term)).toEqual(["Peking", "Keystone-SDA", "Hilfe"]);
    expect(glossaryFor(entries, text, "en")).toEqual([]);
    expect(glossaryFor(entries, "Beijingers", "de")).toEqual([]);
  });

  it("renders prompt lines, empty when none", () => {
    expect(glossaryPromptText(glossaryFor(entries, text, "de-CH"))).toBe(
      '- "Beijing" -> "Peking"\n- "Keystone/SDA" -> "Keystone-SDA"\n- "aid" -> "Hilfe"',
    );
    expect(glossaryPromptText([])).toBe("");
  });
});
