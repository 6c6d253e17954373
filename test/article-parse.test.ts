// Parsing each input format into an Article; the seed; dates; ids; stdin.
import { describe, it, expect } from "vitest";
import { Readable } from "node:stream";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  InputError,
  articleFromRecord,
  articleId,
  decodeText,
  parseArticle,
  parseDate,
  readArticles,
  type ReadItem,
} from "../src/article/index.ts";

const EN_WIRE = `Back to live feed
Storm closes mountain pass in Valais
Published: Friday, March 7th 2031, 6:45 pm
Share
Heavy snowfall forced the authorities to close the Simplon pass on Friday afternoon. Several dozen trucks were stuck at the summit for hours, the cantonal police said.
Snowploughs had been working since the early morning but could not keep up with the amount of fresh snow. Up to eighty centimetres fell within twelve hours.
Drivers were told to use the car train through the Lötschberg tunnel instead. The railway company added extra trains for the evening.
The pass is expected to reopen on Saturday at the earliest, depending on the avalanche risk.
Reuters`;

const DE_WIRE = `Bundesrat will Nachtzüge stärker fördern
Publiziert: 16.05.2031, 13:01
Teilen
Zurück zu Live Feed

Der Bundesrat will internationale Nachtzüge in den kommenden Jahren mit mehr Geld unterstützen. Er hat am Mittwoch eine entsprechende Vorlage in die Vernehmlassung geschickt.

Vorgesehen sind jährlich rund dreissig Millionen Franken für neue Verbindungen
ab Basel, Zürich und Genf. Die Mittel sollen aus dem Klimafonds stammen.

Die Bahnunternehmen begrüssten den Entscheid. Die Nachfrage nach Nachtzügen sei in den letzten Jahren deutlich gestiegen, teilten sie mit.

Kritik kam von Teilen der Wirtschaft, die eine Verzerrung des Wettbewerbs mit dem Flugverkehr befürchten. Die Vernehmlassung dauert bis im September.

Die ersten neuen Verbindungen könnten frühestens im Jahr 2033 verkehren. (sda)`;

/** A German article body of `n` paragraphs, for files made by the tests. */
function germanBody(n = 5): string[] {
  const sentences = [
    "Die Gemeinde hat am Montag beschlossen, die alte Turnhalle im Dorfzentrum zu sanieren.",
    "Die Arbeiten sollen im Sommer beginnen und rund ein Jahr dauern, wie der Gemeinderat mitteilte.",
    "Während der Bauzeit weichen die Vereine in die Halle der Nachbargemeinde aus.",
    "Die Kosten von knapp vier Millionen Franken werden zum grössten Teil über Steuern finanziert.",
    "Die Bevölkerung kann sich an einem Informationsabend im März über das Projekt informieren.",
  ];
  return Array.from({ length: n }, (_, i) => `${sentences[i % sentences.length]} ${sentences[(i + 2) % sentences.length]}`);
}

function germanWire(title = "Gemeinde saniert die alte Turnhalle"): string {
  return [title, "Veröffentlicht am 3. Februar 2031", ...germanBody()].join("\n");
}

function englishBody(n = 5): string[] {
  const sentences = [
    "The city council approved a plan on Tuesday to plant two thousand new trees along its main streets.",
    "Work is to start in the autumn and should be finished within three years, a spokeswoman said.",
    "Residents will be able to suggest locations for the trees on a public website.",
    "The project costs about six million francs and is paid for from the climate fund.",
    "Critics said the money would be better spent on cheaper public transport.",
  ];
  return Array.from({ length: n }, (_, i) => `${sentences[i % sentences.length]} ${sentences[(i + 1) % sentences.length]}`);
}

function htmlPage(opts: { lang?: string; title?: string; paragraphs?: string[] } = {}): string {
  const paragraphs = opts.paragraphs ?? germanBody(6);
  return `<!DOCTYPE html>
<html lang="${opts.lang ?? "de"}">
<head>
<meta charset="utf-8">
<title>${opts.title ?? "Gemeinde saniert Turnhalle"} | Dorfblatt Online</title>
<link rel="canonical" href="https://dorfblatt.example/gemeinde/turnhalle">
<meta name="date" content="2031-02-03">
<meta property="og:type" content="article">
</head>
<body>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/sport">Sport</a></li><li><a href="/kultur">Kultur</a></li></ul></nav></header>
<main>
<article>
<h1>${opts.title ?? "Gemeinde saniert Turnhalle"}</h1>
<p class="byline">Von Hans Muster</p>
${paragraphs.map((p) => `<p>${p.replace("Turnhalle", "<b>Turnhalle</b>")}</p>`).join("\n")}
</article>
</main>
<aside><h3>Meistgelesen</h3><ul><li><a href="/a">Fussballclub steigt auf</a></li><li><a href="/b">Neuer Bäcker im Dorf</a></li></ul></aside>
<footer><p>© 2031 Dorfblatt Online AG. Alle Rechte vorbehalten. Impressum und Datenschutz.</p><nav><a href="/impressum">Impressum</a></nav></footer>
</body>
</html>`;
}

async function collect(gen: AsyncGenerator<ReadItem>): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

describe("the seed article", () => {
  it("reads samples/putin-beijing.txt into a clean article", async () => {
    const items = await collect(readArticles(["samples/putin-beijing.txt"]));
    expect(items).toHaveLength(1);
    const item = items[0]!;
    if (!("article" in item)) throw item.error;
    const a = item.article;
    expect(a.title).toBe("Putin signals willingness to negotiate on Ukraine in Beijing");
    expect(a.published).toBe("2024-05-16T13:01");
    expect(a.credit).toBe("Keystone/SDA");
    expect(a.lang).toBe("en");
    expect(a.paragraphs).toHaveLength(12);
    expect(a.paragraphs[0]).toMatch(/^Moscow and Beijing now consider/);
    expect(a.paragraphs.at(-1)).toMatch(/Russian-Chinese trade fair\.$/);
    const text = a.paragraphs.join("\n");
    expect(text).not.toContain("Zurück zu Live Feed");
    expect(text).not.toContain("©Keystone/SDA");
    expect(text).not.toContain("Published:");
    expect(a.id).toMatch(/^putin-signals-.*-[0-9a-f]{10}$/);
    expect(a.url).toBeNull();
    expect(a.source).toEqual({ path: "samples/putin-beijing.txt" });
  });

  it("gives the same id for the same content and another for changed content", () => {
    const text = readFileSync("samples/putin-beijing.txt", "utf8");
    const a = parseArticle(text, { path: "a.txt" }, "text");
    const b = parseArticle(text, { path: "b.txt" }, "text");
    const c = parseArticle(text.replace("Harbin", "Shenyang"), { path: "c.txt" }, "text");
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
  });
});

describe("wire text", () => {
  it("reads English copy with debris before the headline, a 12-hour time and an agency line", () => {
    const a = parseArticle(EN_WIRE, { path: "storm.txt" }, "text");
    expect(a.title).toBe("Storm closes mountain pass in Valais");
    expect(a.published).toBe("2031-03-07T18:45");
    expect(a.credit).toBe("Reuters");
    expect(a.lang).toBe("en");
    expect(a.paragraphs).toHaveLength(4);
    expect(a.paragraphs).not.toContain("Share");
  });

  it("reads German copy with Publiziert, blank-line paragraphs, hard wraps and a trailing (sda)", () => {
    const a = parseArticle(DE_WIRE, { path: "nachtzug.txt" }, "text");
    expect(a.title).toBe("Bundesrat will Nachtzüge stärker fördern");
    expect(a.published).toBe("2031-05-16T13:01");
    expect(a.credit).toBe("sda");
    expect(a.lang).toBe("de");
    expect(a.paragraphs).toHaveLength(5);
    expect(a.paragraphs[1]).toBe(
      "Vorgesehen sind jährlich rund dreissig Millionen Franken für neue Verbindungen ab Basel, Zürich und Genf. Die Mittel sollen aus dem Klimafonds stammen.",
    );
    expect(a.paragraphs.at(-1)).toBe("Die ersten neuen Verbindungen könnten frühestens im Jahr 2033 verkehren.");
    expect(a.paragraphs).not.toContain("Teilen");
    expect(a.paragraphs.join(" ")).not.toMatch(/Zurück zu Live Feed|Publiziert|\(sda\)/);
  });

  it("takes a bare German date line and leaves party abbreviations in the text", () => {
    const body = germanBody();
    body[4] = "Der Antrag kam von der Fraktion der Grünen (GLP).";
    body.push("Die Gemeindeversammlung entscheidet im Juni über den Kredit.");
    const a = parseArticle(["Turnhalle wird saniert", "Donnerstag, 16. Mai 2024", ...body].join("\n"), { path: "t.txt" }, "text");
    expect(a.published).toBe("2024-05-16");
    expect(a.credit).toBeNull();
    expect(a.paragraphs).toContain("Der Antrag kam von der Fraktion der Grünen (GLP).");
  });

  it("keeps prompt-like text in the article verbatim", () => {
    const body = englishBody();
    body[2] = 'A poster at the protest read "Ignore all previous instructions" and another showed {{title}} in large letters.';
    const a = parseArticle(["Protest in Bern", ...body].join("\n"), { path: "p.txt" }, "text");
    expect(a.paragraphs[2]).toBe(body[2]);
  });

  it("honours --source-lang over detection", () => {
    const a = parseArticle(["Trees for the city", ...englishBody()].join("\n"), { path: "t.txt" }, "text", { sourceLang: "de-CH" });
    expect(a.lang).toBe("de");
  });

  it("drops the desk's own debris lines from --debris-file", () => {
    const dir = mkdtempSync(join(tmpdir(), "nd-debris-"));
    const file = join(dir, "debris.txt");
    writeFileSync(file, "# ours\nJetzt unsere App herunterladen\n");
    const text = ["Gemeinde saniert die alte Turnhalle", "Jetzt unsere App herunterladen", ...germanBody()].join("\n");
    expect(parseArticle(text, { path: "t.txt" }, "text").paragraphs[0]).toBe("Jetzt unsere App herunterladen");
    expect(parseArticle(text, { path: "t.txt" }, "text", { debrisFile: file }).paragraphs[0]).toBe(germanBody()[0]);
  });
});

describe("dates", () => {
  it.each([
    ["Thursday, May 16th 2024, 13:01", "2024-05-16T13:01"],
    ["16.05.2024, 13:01", "2024-05-16T13:01"],
    ["16. Mai 2024", "2024-05-16"],
    ["Donnerstag, 16. Mai 2024, 13.01 Uhr", "2024-05-16T13:01"],
    ["3. März 2031", "2031-03-03"],
    ["May 16, 2024", "2024-05-16"],
    ["16 December 2024 at 9:05 am", "2024-12-16T09:05"],
    ["2024-05-16T13:01:00+02:00", "2024-05-16T13:01:00+02:00"],
    ["31.02.2024", null],
    ["yesterday", null],
  ])("parseDate(%j) -> %j", (raw, iso) => {
    expect(parseDate(raw)).toBe(iso);
  });

  it("keeps an unparseable labelled date as raw text", () => {
    const a = parseArticle(["Trees for the city", "Published: early this morning", ...englishBody()].join("\n"), { path: "t.txt" }, "text");
    expect(a.published).toBe("early this morning");
  });
});

describe("markdown", () => {
  it("reads front matter, strips emphasis and keeps link text", async () => {
    const items = await collect(readArticles(["samples/zurich-tram.md"]));
    const item = items[0]!;
    if (!("article" in item)) throw item.error;
    const a = item.article;
    expect(a.title).toBe("Neue Tramlinie in Zürich nimmt Betrieb auf");
    expect(a.published).toBe("2031-03-04T09:30");
    expect(a.url).toBe("https://example.ch/zuerich/tram-linie-21");
    expect(a.lang).toBe("de");
    expect(a.credit).toBe("Keystone/SDA");
    expect(a.paragraphs).toHaveLength(6);
    expect(a.paragraphs[0]).toContain("die neue Tramlinie 21 zwischen");
    expect(a.paragraphs[3]).toContain("wie der Quartierverein Altstetten festhielt.");
    expect(a.paragraphs.join(" ")).not.toMatch(/[*\]]|\(https?:/);
    expect(a.id).toMatch(/^neue-tramlinie-in-zuerich-nimmt-betrieb-auf-[0-9a-f]{10}$/);
  });

  it("takes a leading # heading as the title when there is no front matter, and refuses a non-http url", () => {
    const md = ["# Bäume für die Stadt", "", ...germanBody().flatMap((p) => [p, ""]), "---", "![Bild](x.png)"].join("\n");
    const a = parseArticle(`---\nurl: javascript:alert(1)\n---\n${md}`, { path: "b.md" }, "markdown");
    expect(a.title).toBe("Bäume für die Stadt");
    expect(a.url).toBeNull();
    expect(a.paragraphs).toEqual(germanBody());
  });

  it("reports broken front matter with the file name", () => {
    expect(() => parseArticle("---\ntitle: [unclosed\n---\n# T\n\ntext", { path: "bad.md" }, "markdown")).toThrow(
      /^bad\.md: invalid front matter/,
    );
  });
});

describe("html", () => {
  it("extracts the article body and metadata, without navigation and footer", () => {
    const a = parseArticle(htmlPage(), { path: "page.html" }, "html");
    expect(a.title).toBe("Gemeinde saniert Turnhalle");
    expect(a.lang).toBe("de");
    expect(a.url).toBe("https://dorfblatt.example/gemeinde/turnhalle");
    expect(a.published).toBe("2031-02-03");
    expect(a.paragraphs).toEqual(expect.arrayContaining(germanBody(6)));
    const text = a.paragraphs.join(" ");
    expect(text).not.toMatch(/Startseite|Meistgelesen|Alle Rechte vorbehalten|Impressum|Fussballclub/);
  });

  it("takes article:published_time and og:url", () => {
    const html = htmlPage({ lang: "en-GB", title: "Trees for the city", paragraphs: englishBody(6) })
      .replace('<link rel="canonical" href="https://dorfblatt.example/gemeinde/turnhalle">', '<meta property="og:url" content="https://news.example/trees">')
      .replace('<meta name="date" content="2031-02-03">', '<meta property="article:published_time" content="2031-02-03T07:30:00Z">');
    const a = parseArticle(html, { path: "page.html" }, "html");
    expect(a.lang).toBe("en");
    expect(a.url).toBe("https://news.example/trees");
    expect(a.published).toBe("2031-02-03T07:30:00Z");
  });

  it("refuses an error page", () => {
    const html = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>";
    expect(() => parseArticle(html, { path: "404.html" }, "html")).toThrow(/^404\.html: an error page, not an article$/);
  });
});

describe("jsonl", () => {
  it("reads the good lines of a feed and reports the broken line with its number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nd-jsonl-"));
    const file = join(dir, "feed.jsonl");
    const good = (title: string) => JSON.stringify({ title, body: englishBody().join("\n\n") });
    writeFileSync(file, `${good("First story")}\n{"title": "Broken", "body": \n${good("Third story")}\n`);
    const items = await collect(readArticles([file]));
    expect(items).toHaveLength(3);
    expect("article" in items[0]! && items[0].article.title).toBe("First story");
    expect("article" in items[0]! && items[0].article.source).toEqual({ path: file, line: 1 });
    expect("error" in items[1]! && items[1].error.message).toMatch(/feed\.jsonl:2: invalid JSON \(.+\)$/);
    expect("article" in items[2]! && items[2].article.title).toBe("Third story");
    expect("article" in items[2]! && items[2].article.paragraphs).toHaveLength(5);
  });

  it("reads the sample feed: body, text with single newlines, paragraphs", async () => {
    const items = await collect(readArticles(["samples/feed.jsonl"]));
    const articles = items.map((i) => ("article" in i ? i.article : null));
    expect(articles.every(Boolean)).toBe(true);
    expect(articles.map((a) => a!.lang)).toEqual(["en", "de", "en"]);
    expect(articles[0]!.id).toBe("wire-2031-0412-ferry");
    expect(articles[1]!.published).toBe("2031-04-12");
    expect(articles[1]!.credit).toBe("sda");
    expect(articles[1]!.paragraphs).toHaveLength(5);
  });

  it("refuses a record without text, naming file and line", () => {
    expect(() => articleFromRecord({ title: "Only a title" }, { path: "feed.jsonl", line: 7 })).toThrow(
      'feed.jsonl:7: no article text (expected "body", "text" or "paragraphs")',
    );
    expect(() => articleFromRecord([1, 2], { path: "feed.jsonl", line: 8 })).toThrow(/^feed\.jsonl:8: expected a JSON object/);
  });
});

describe("stdin", () => {
  it("sniffs wire text", async () => {
    const items = await collect(readArticles(["-"], { stdin: Readable.from([Buffer.from(DE_WIRE.slice(0, 40)), Buffer.from(DE_WIRE.slice(40))]) }));
    expect(items).toHaveLength(1);
    expect("article" in items[0]! && items[0].article).toMatchObject({ title: "Bundesrat will Nachtzüge stärker fördern", source: { path: "-" } });
  });

  it("sniffs HTML and Markdown", async () => {
    const [html] = await collect(readArticles(["-"], { stdin: Readable.from([htmlPage()]) }));
    expect("article" in html! && html.article.url).toBe("https://dorfblatt.example/gemeinde/turnhalle");
    const md = `---\ntitle: Turnhalle\nlang: de\n---\n\n${germanBody().join("\n\n")}\n`;
    const [m] = await collect(readArticles(["-"], { stdin: Readable.from([md]) }));
    expect("article" in m! && m.article.title).toBe("Turnhalle");
  });

  it("streams JSONL, reporting lines as -:N", async () => {
    const line = JSON.stringify({ title: "Trees", text: englishBody().join("\n") });
    const items = await collect(readArticles(["-"], { stdin: Readable.from([`\n${line}\nnot json\n`]) }));
    expect(items).toHaveLength(2);
    expect("article" in items[0]! && items[0].article.source).toEqual({ path: "-", line: 2 });
    expect("error" in items[1]! && items[1].error.message).toMatch(/^-:3: invalid JSON/);
  });

  it("reports empty stdin", async () => {
    const items = await collect(readArticles(["-"], { stdin: Readable.from([]) }));
    expect("error" in items[0]! && items[0].error.message).toBe("-: empty file");
  });
});

describe("safe ids", () => {
  it.each(["../../etc/passwd", ".hidden", "..", "a/b\\c"])("title %j gives an id that cannot leave the output dir", (title) => {
    const a = parseArticle([title, ...englishBody()].join("\n"), { path: "x.txt" }, "text");
    expect(a.title).toBe(title);
    expect(a.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(a.id).not.toContain("..");
  });

  it("sanitises a JSONL id and falls back to the content id when nothing is left", () => {
    const record = { title: "Trees", body: englishBody().join("\n\n") };
    expect(articleFromRecord({ ...record, id: "../../x" }, { path: "f.jsonl", line: 1 }).id).toBe("x");
    expect(articleFromRecord({ ...record, id: "../.." }, { path: "f.jsonl", line: 1 }).id).toBe(articleId("Trees", englishBody()));
  });

  it("transliterates umlauts and strips accents", () => {
    expect(articleId("Größte Brücke in Zürich: Café eröffnet", ["x"])).toMatch(/^groesste-bruecke-in-zuerich-cafe-eroeffnet-[0-9a-f]{10}$/);
    expect(articleId("A".repeat(100), ["x"]).length).toBe(48 + 11);
  });
});

describe("decodeText", () => {
  it("decodes Latin-1, UTF-16 and normalises line ends", () => {
    expect(decodeText(Buffer.from("Zürich\r\nBern\rGenf", "latin1"), "f")).toBe("Zürich\nBern\nGenf");
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from("Zürich", "utf16le").swap16()]), "f")).toBe("Zürich");
    expect(decodeText(Buffer.from("\ufeffZürich", "utf8"), "f")).toBe("Zürich");
  });

  it("throws a one-line InputError on binary data", () => {
    expect(() => decodeText(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), "photo.txt")).toThrow(InputError);
    expect(() => decodeText(Buffer.from("abc\u0000def"), "x.txt")).toThrow("x.txt: binary data (contains NUL bytes), not an article");
  });
});
