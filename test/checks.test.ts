import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { applyHouseStyle, checkDigest, checkTranslation, LIMITS, type Finding } from "../src/checks/index.ts";
import { defaultGlossaryPath, loadGlossary } from "../src/core/glossary.ts";

// The seed article (English) and a faithful human German translation of it.
const seedLines = readFileSync(new URL("../samples/putin-beijing.txt", import.meta.url), "utf8")
  .split("\n").map((l) => l.trim()).filter(Boolean);
const source = {
  title: seedLines[0]!,
  paragraphs: seedLines.slice(1).filter((l) => !/^(Published:|Zurück zu Live Feed|©)/.test(l)),
  lang: "en",
};
const deFixture = JSON.parse(readFileSync(new URL("./fixtures/putin-beijing.de.json", import.meta.url), "utf8")) as { title: string; paragraphs: string[] };
const deLines = [deFixture.title, ...deFixture.paragraphs];
const german = { title: deLines[0]!, paragraphs: deLines.slice(1) };
const glossary = loadGlossary(defaultGlossaryPath());

const hard = (fs: Finding[]) => fs.filter((f) => f.severity === "hard");
const soft = (fs: Finding[]) => fs.filter((f) => f.severity === "soft");
const messages = (fs: Finding[]) => fs.map((f) => `${f.check}/${f.severity}: ${f.message}`);

/** The German translation with paragraph `i` (0-based) replaced by `text`. */
function withParagraph(i: number, text: string) {
  const paragraphs = [...german.paragraphs];
  paragraphs[i] = text;
  return { title: german.title, paragraphs };
}

describe("checkTranslation on a correct translation", () => {
  it("seed and fixture line up (12 paragraphs)", () => {
    expect(source.paragraphs).toHaveLength(12);
    expect(german.paragraphs).toHaveLength(12);
  });

  it("finds nothing in a faithful human German translation (target de)", () => {
    expect(messages(checkTranslation({ source, output: german, target: "de", glossary }))).toEqual([]);
  });

  it("finds nothing for de-CH after applyHouseStyle, nor for de-DE", () => {
    const ch = {
      title: applyHouseStyle(german.title, "de-CH"),
      paragraphs: german.paragraphs.map((p) => applyHouseStyle(p, "de-CH")),
    };
    expect(ch.paragraphs.join(" ")).not.toMatch(/[ß„“]/);
    expect(messages(checkTranslation({ source, output: ch, target: "de-CH", glossary }))).toEqual([]);
    expect(messages(checkTranslation({ source, output: german, target: "de-DE", glossary }))).toEqual([]);
  });

  it("finds nothing the other way round (German source, English original as the translation)", () => {
    const fs = checkTranslation({ source: { ...german, lang: "de" }, output: source, target: "en", glossary });
    expect(messages(fs)).toEqual([]);
  });
});

describe("language", () => {
  it("English where German was asked is a hard finding", () => {
    const fs = checkTranslation({ source, output: { title: source.title, paragraphs: source.paragraphs }, target: "de" });
    const lang = fs.filter((f) => f.check === "language");
    expect(lang).toHaveLength(1);
    expect(lang[0]!.severity).toBe("hard");
    expect(lang[0]!.message).toMatch(/English.*expected German/);
  });

  it("one long paragraph left in English is a hard finding even when the rest is German", () => {
    const english = "The flourishing trade has helped Moscow to offset losses in its business with the West, " +
      "but in recent weeks shipments have fallen after Washington warned lenders against breaking the rules.";
    const fs = checkTranslation({ source, output: withParagraph(9, english), target: "de" });
    expect(messages(hard(fs)).join("\n")).toMatch(/paragraph 10 is in English/);
  });

  it("skips texts too short to tell", () => {
    const fs = checkDigest({
      source,
      digest: { summary: "Ok.", keyPoints: ["a", "b", "c"], snippet: { headline: "Xi", teaser: "Hi" } },
      target: "de",
    });
    expect(fs.filter((f) => f.check === "language")).toEqual([]);
  });
});

describe("completeness", () => {
  it("a dropped paragraph is a hard finding that names it", () => {
    const paragraphs = german.paragraphs.filter((_, i) => i !== 3);
    const fs = checkTranslation({ source, output: { title: german.title, paragraphs }, target: "de" });
    expect(messages(hard(fs))).toContain("completeness/hard: paragraph 4 is missing (source has 12, translation 11)");
  });

  it("an empty paragraph is a hard finding", () => {
    const fs = checkTranslation({ source, output: withParagraph(5, "  "), target: "de" });
    expect(messages(hard(fs))).toContain("completeness/hard: paragraph 6 is empty");
  });

  it("an echoed (untranslated) paragraph is a hard finding", () => {
    const fs = checkTranslation({ source, output: withParagraph(2, source.paragraphs[2]!), target: "de" });
    expect(messages(hard(fs)).join("\n")).toMatch(/paragraph 3 is not translated/);
  });

  it("a paragraph of names and numbers that stays the same is not an echo", () => {
    const src = { title: "Results", paragraphs: ["The results were announced on Sunday evening by the officials.", "Xi Jinping, Vladimir Putin, 2024"], lang: "en" };
    const out = { title: "Ergebnisse", paragraphs: ["Die Ergebnisse wurden am Sonntagabend von den Behörden bekanntgegeben.", "Xi Jinping, Vladimir Putin, 2024"] };
    expect(hard(checkTranslation({ source: src, output: out, target: "de" }))).toEqual([]);
  });

  it.each([
    ["Here is the translation:\n\nMoskau und Peking halten eine politische Einigung für möglich."],
    ["Hier ist die Übersetzung des Artikels:"],
    ["Translation: Moskau und Peking halten eine politische Einigung für möglich."],
    ["```\nMoskau und Peking halten eine politische Einigung für möglich.\n```"],
    ["Anmerkung: Ich habe die Namen in der deutschen Schreibweise wiedergegeben."],
  ])("commentary around the text is a hard finding: %j", (text) => {
    const fs = checkTranslation({ source, output: withParagraph(0, text), target: "de" });
    expect(messages(hard(fs)).join("\n")).toMatch(/paragraph 1 contains (a preface|a "Translation:" label|a code fence|a note)/);
  });

  it("a plain \"Hinweis:\" that human translators write too is only a soft finding", () => {
    // From a WMT19 human reference: "In this context The Welsh letter w ..." -> "Hinweis: Der walisische Buchstabe ..."
    const text = "Hinweis: Der walisische Buchstabe W wird ähnlich ausgesprochen wie das U im Englischen, sagte Xi Jinping in Peking zu Wladimir Putin.";
    const fs = checkTranslation({ source, output: withParagraph(0, text), target: "de" });
    expect(messages(hard(fs)).join("\n")).not.toMatch(/note to the reader/);
    expect(messages(soft(fs)).join("\n")).toMatch(/paragraph 1 contains what looks like a note to the reader/);
  });

  it("a code fence in the title is caught too", () => {
    const fs = checkTranslation({ source, output: { ...german, title: "```" + german.title }, target: "de" });
    expect(messages(hard(fs)).join("\n")).toMatch(/the title contains a code fence/);
  });
});

describe("facts", () => {
  it("a changed number is a soft finding (twelve-point plan -> Zehn-Punkte-Plan)", () => {
    const p = german.paragraphs[3]!.replace("Zwölf-Punkte-Plan", "Zehn-Punkte-Plan");
    const fs = checkTranslation({ source, output: withParagraph(3, p), target: "de" });
    expect(messages(fs)).toEqual(['facts/soft: number 12 ("twelve") from paragraph 4 is missing in the translation']);
  });

  it("a changed time is a soft finding (13:01 -> 14:01), locale writings are not", () => {
    const src = { title: "Vote", paragraphs: ["The result came at 13:01 with 1,250 votes, 3.5 percent more than on May 16th 2024."], lang: "en" };
    const ok = { title: "Abstimmung", paragraphs: ["Das Ergebnis kam um 13.01 Uhr mit 1'250 Stimmen, 3,5 Prozent mehr als am 16. Mai 2024."] };
    expect(soft(checkTranslation({ source: src, output: ok, target: "de" }))).toEqual([]);
    const bad = { title: "Abstimmung", paragraphs: ["Das Ergebnis kam um 14:01 Uhr mit 1.250 Stimmen, 3,5 Prozent mehr als am 16. Mai 2024."] };
    expect(messages(checkTranslation({ source: src, output: bad, target: "de" }))).toEqual([
      "facts/soft: number 13:01 from paragraph 1 is missing in the translation",
    ]);
  });

  it("ordinals in words count (fifth term / fünfte Amtszeit)", () => {
    const p = german.paragraphs[6]!.replace("fünfter Amtszeit", "sechster Amtszeit");
    const fs = checkTranslation({ source, output: withParagraph(6, p), target: "de" });
    expect(messages(fs)).toEqual(['facts/soft: number 5 ("fifth") from paragraph 7 is missing in the translation']);
  });

  it("a missing name is a soft finding", () => {
    const p = german.paragraphs[11]!.replace("Industriestadt Harbin", "Industriestadt");
    const fs = checkTranslation({ source, output: withParagraph(11, p), target: "de" });
    expect(messages(fs)).toEqual(['facts/soft: name "Harbin" from the source is missing in the translation']);
  });

  it("an unknown multi-word person name is checked, titles and sentence starts are not names", () => {
    const src = {
      title: "Berlin reacts",
      paragraphs: ["However, German Chancellor Olaf Scholz said the Federal Government would respond. The European Central Bank stayed calm."],
      lang: "en",
    };
    const good = { title: "Berlin reagiert", paragraphs: ["Bundeskanzler Scholz sagte jedoch, die Bundesregierung werde reagieren. Die Europäische Zentralbank blieb gelassen."] };
    expect(checkTranslation({ source: src, output: good, target: "de" })).toEqual([]);
    const bad = { title: "Berlin reagiert", paragraphs: ["Der Kanzler sagte jedoch, die Bundesregierung werde reagieren. Die Europäische Zentralbank blieb gelassen."] };
    expect(messages(checkTranslation({ source: src, output: bad, target: "de" }))).toEqual([
      'facts/soft: name "Olaf Scholz" from the source is missing in the translation',
    ]);
  });
});

describe("house style and names", () => {
  it("mixed Beijing/Peking in a German text is a soft finding naming both", () => {
    const p = german.paragraphs[8]!.replace("Peking unterstützt", "Beijing unterstützt");
    const fs = checkTranslation({ source, output: withParagraph(8, p), target: "de" });
    const style = fs.filter((f) => f.check === "style");
    expect(style).toHaveLength(1);
    expect(style[0]!.severity).toBe("soft");
    expect(style[0]!.message).toContain('"Beijing"');
    expect(style[0]!.message).toContain('"Peking"');
  });

  it("the English name form in German is a soft finding", () => {
    const fs = checkTranslation({
      source,
      output: { ...german, paragraphs: german.paragraphs.map((p) => p.replace("Wladimir Putin", "Vladimir Putin")) },
      target: "de",
    });
    expect(messages(fs)).toEqual(['style/soft: name form "Vladimir Putin": the desk writes "Wladimir Putin" in German']);
  });

  it("US spelling in en-GB and British spelling in en-US are soft findings", () => {
    const src = { ...german, lang: "de" };
    const gb = checkTranslation({ source: src, output: source, target: "en-GB" });
    expect(messages(gb)).toEqual([
      'style/soft: "neighboring" is US spelling; en-GB writes "neighbouring"',
      'style/soft: "stabilizing" is US spelling; en-GB writes "stabilising"',
    ]);
    const us = checkDigest({
      source: src,
      digest: {
        summary: "Putin and Xi want to organise closer ties and defence cooperation between their neighbouring countries.",
        keyPoints: ["Putin visits Beijing", "Xi hopes for peace", "A trade fair in Harbin"],
        snippet: { headline: "Putin in Beijing", teaser: "The two leaders met in Beijing." },
      },
      target: "en-US",
    });
    expect(messages(us).sort()).toEqual([
      'style/soft: "defence" is British spelling; en-US writes "defense"',
      'style/soft: "neighbouring" is British spelling; en-US writes "neighboring"',
      'style/soft: "organise" is British spelling; en-US writes "organize"',
    ]);
  });

  it("style is judged after the deterministic fixes: ß and „…“ in de-CH are not reported, a stray mark is", () => {
    expect(checkTranslation({ source, output: german, target: "de-CH" })).toEqual([]);
    const stray = withParagraph(1, german.paragraphs[1]! + ' Er sagte " nichts weiter.');
    expect(messages(checkTranslation({ source, output: stray, target: "de-CH" }))).toEqual([
      "style/soft: quotation marks ‹\"› could not be turned into «…»",
    ]);
  });
});

describe("glossary", () => {
  it("an ignored glossary term is a soft finding", () => {
    const src = { title: "Meldung", paragraphs: ["The agency Keystone/SDA reported the news on Thursday evening from Bern."], lang: "en" };
    const out = { title: "Meldung", paragraphs: ["Die Agentur Keystone/SDA meldete die Nachricht am Donnerstagabend aus Bern."] };
    expect(messages(checkTranslation({ source: src, output: out, target: "de", glossary }))).toEqual([
      'glossary/soft: "Keystone-SDA" expected for "Keystone/SDA"',
    ]);
    const fixed = { ...out, paragraphs: [out.paragraphs[0]!.replace("Keystone/SDA", "Keystone-SDA")] };
    expect(checkTranslation({ source: src, output: fixed, target: "de", glossary })).toEqual([]);
  });

  it("the seed with Beijing kept in German breaks the glossary (and the name form)", () => {
    const out = { ...german, paragraphs: german.paragraphs.map((p) => p.replaceAll("Peking", "Beijing")), title: german.title.replace("Peking", "Beijing") };
    const fs = checkTranslation({ source, output: out, target: "de", glossary });
    expect(messages(fs)).toEqual([
      'style/soft: name form "Beijing": the desk writes "Peking" in German',
      'glossary/soft: "Peking" expected for "Beijing"',
    ]);
  });
});

describe("checkDigest", () => {
  const good = {
    summary: "Wladimir Putin hat bei seinem Staatsbesuch in Peking Verhandlungsbereitschaft im Ukraine-Krieg signalisiert. Xi Jinping sprach sich für eine politische Lösung aus. China hatte schon vor über einem Jahr einen Zwölf-Punkte-Plan vorgelegt.",
    keyPoints: [
      "Putin und Xi sehen eine politische Einigung als Weg aus dem Ukraine-Krieg.",
      "China ist Russlands wichtigster Verbündeter und Handelspartner.",
      "Am Freitag besucht Putin eine Handelsmesse in Harbin.",
    ],
    snippet: {
      headline: "Putin signalisiert in Peking Verhandlungsbereitschaft",
      teaser: "Bei seinem Besuch in China zeigt sich Wladimir Putin offen für Gespräche über die Ukraine. Xi Jinping will eine konstruktive Rolle spielen.",
    },
  };

  it("finds nothing in a good German digest", () => {
    expect(messages(checkDigest({ source, digest: good, target: "de", glossary }))).toEqual([]);
  });

  it("English where German was asked is hard", () => {
    const digest = {
      summary: "Vladimir Putin signalled willingness to negotiate on Ukraine during his state visit to Beijing, where Xi Jinping backed a political solution.",
      keyPoints: ["Putin and Xi back a political agreement.", "China is Russia's most important ally.", "Putin visits Harbin on Friday."],
      snippet: { headline: "Putin in Beijing", teaser: "Putin signals he is open to talks on Ukraine." },
    };
    expect(messages(hard(checkDigest({ source, digest, target: "de" })))[0]).toMatch(/language\/hard: the digest is in English/);
  });

  it("an overlong summary, six key points and a multi-line key point are soft findings", () => {
    const long = Array.from({ length: 80 }, (_, i) => (i % 2 ? "Putin" : "besucht")).join(" ") + ".";
    const six = [...good.keyPoints, "Xi nennt Putin einen alten Freund.", "Die USA warnen chinesische Banken.", "Russland und China drohen mit Gegenmassnahmen."];
    const fs = checkDigest({ source, digest: { ...good, summary: long, keyPoints: six }, target: "de" });
    expect(messages(soft(fs))).toEqual(expect.arrayContaining([
      `lengths/soft: the summary has 80 words (limit ${LIMITS.summaryWords})`,
      "lengths/soft: 6 key points (expected 3 to 5)",
    ]));
    const multi = checkDigest({ source, digest: { ...good, keyPoints: [good.keyPoints[0]!, "Zeile eins\nZeile zwei", good.keyPoints[2]!] }, target: "de" });
    expect(messages(multi)).toEqual(["lengths/soft: key point 2 runs over several lines"]);
  });

  it("a long teaser and a two-line headline are soft findings", () => {
    const fs = checkDigest({
      source,
      digest: { ...good, snippet: { headline: "Putin\nin Peking", teaser: good.snippet.teaser + " " + "Mehr dazu im Artikel. ".repeat(12) } },
      target: "de",
    });
    expect(messages(fs)).toHaveLength(2);
    expect(messages(fs)).toEqual(expect.arrayContaining([
      "lengths/soft: the headline runs over several lines",
      expect.stringMatching(/^lengths\/soft: the teaser has \d+ characters \(limit 280\)$/),
    ]));
  });

  it("a number the model invented is a soft finding", () => {
    const summary = good.summary.replace("Zwölf-Punkte-Plan", "Zwölf-Punkte-Plan mit 40 Massnahmen");
    const fs = checkDigest({ source, digest: { ...good, summary }, target: "de" });
    expect(messages(fs)).toEqual(["facts/soft: the summary: number 40 is not in the source"]);
  });

  it("mixed name forms across the digest are a soft finding", () => {
    const fs = checkDigest({ source, digest: { ...good, snippet: { ...good.snippet, headline: "Putin signalisiert in Beijing Verhandlungsbereitschaft" } }, target: "de" });
    expect(messages(fs)).toEqual(['style/soft: names mixed: both "Beijing" and "Peking" are used; keep "Peking"']);
  });

  it("de-CH digests are judged after the fixes; the glossary is checked where the source term leaked in", () => {
    const ch = { ...good, summary: good.summary + " Er sprach von «grossen Fortschritten»." };
    expect(checkDigest({ source, digest: ch, target: "de-CH", glossary })).toEqual([]);
    const leaked = { ...good, summary: good.summary.replace("Peking", "Beijing").replace("Wladimir Putin", "Vladimir Putin") };
    const fs = checkDigest({ source, digest: leaked, target: "de", glossary }).filter((f) => f.check === "glossary");
    expect(messages(fs).sort()).toEqual([
      'glossary/soft: "Peking" expected for "Beijing"',
      'glossary/soft: "Wladimir Putin" expected for "Vladimir Putin"',
    ]);
  });
});
