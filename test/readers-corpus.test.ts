// Issue 9: the fixture corpus in test/fixtures/readers (invented stories in the layouts real wire
// copy and news pages use). Every wire fixture is read in four variants: LF and CRLF, with and
// without a final newline, and must give the same article each time.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArticle, readArticles, type ReadItem } from "../src/article/index.ts";
import { nestingDepth } from "../src/article/html.ts";
import { ROOT, SEED_PATH } from "./support/setup.ts";

const DIR = path.join(ROOT, "test/fixtures/readers");
const read = (name: string) => readFileSync(path.join(DIR, name), "utf8");

interface Expected {
  title: string;
  paragraphs: number;
  published: string | null;
  credit: string | null;
  lang: string;
  id: string;
  first?: string;
  last?: string;
  warnings?: string[];
}

const WIRE: Record<string, Expected> = {
  "wire-reuters-1987.txt": {
    title: "ALPINE DAIRY COOPERATIVE RAISES MILK PRICE", paragraphs: 6, published: "1987-02-26T15:57:48", credit: "Reuter", lang: "en",
    id: "alpine-dairy-cooperative-raises-milk-price-ccb59097fd",
    first: "ZURICH, Feb 26 - The Alpine Dairy Cooperative said it would raise the price it pays farmers for raw milk by two centimes a litre from April 1, the first increase in three years.",
    last: "The cooperative will publish its annual results on March 12.",
  },
  "wire-ap-wrapped.txt": {
    title: "Lake ferry runs aground near harbor, no one hurt", paragraphs: 5, published: "2024-05-16T13:01-04:00", credit: "AP", lang: "en",
    id: "lake-ferry-runs-aground-near-harbor-no-one-hurt-6f04a6e9d3",
    last: "State officials said they would review the channel markers.",
  },
  "wire-dpa-blank.txt": {
    title: "Bahn testet Wasserstoffzug im Allgäu", paragraphs: 4, published: "2024-05-16T13:01", credit: "dpa", lang: "de",
    id: "bahn-testet-wasserstoffzug-im-allgaeu-6e79c6760e",
    first: "Kempten (dpa) - Die Bahn will von Herbst an einen Zug mit Wasserstoffantrieb auf einer Nebenstrecke im Allgäu testen. Das teilte das Unternehmen am Donnerstag in Kempten mit.",
    last: "Kritiker bemängeln, dass der Wasserstoff bisher nicht aus erneuerbaren Quellen stammt.",
  },
  "wire-sda-oneline.txt": {
    title: "Gemeinde am Zürichsee baut neues Hallenbad", paragraphs: 4, published: "2024-05-16", credit: "sda", lang: "de",
    id: "gemeinde-am-zuerichsee-baut-neues-hallenbad-c8292346a4",
    last: "Während der Bauzeit sollen die Schulklassen in das Bad der Nachbargemeinde ausweichen, wie der Gemeinderat mitteilte.",
  },
  "wire-brief.txt": {
    title: "Rheinfähre fährt wieder", paragraphs: 2, published: "2024-08-28T14:44:12+02:00", credit: "sda", lang: "de",
    id: "rheinfaehre-faehrt-wieder-be4bea498c", warnings: ["very short item (36 words)"],
  },
  "wire-flash.txt": {
    title: "FLASH: Swiss central bank cuts key rate", paragraphs: 1, published: "2024-03-21T09:31", credit: "Reuters", lang: "en",
    id: "flash-swiss-central-bank-cuts-key-rate-6e2a05be75", warnings: ["very short item (17 words)"],
  },
  "wire-quota-table.txt": {
    title: "EU sugar export quotas for the week", paragraphs: 7, published: "1987-02-26T15:57:48", credit: "Reuter", lang: "en",
    id: "eu-sugar-export-quotas-for-the-week-72a6f4d3ce", last: "Denmark 9,000", warnings: ["very short item (19 words)"],
  },
  "wire-indented-de.txt": {
    title: "Stadtrat streitet über Parkgebühren", paragraphs: 4, published: "vor 2 Stunden", credit: null, lang: "de",
    id: "stadtrat-streitet-ueber-parkgebuehren-5918cf415c",
    warnings: ['date "vor 2 Stunden" is not a full date; kept as written'],
  },
  "wire-title-blank.txt": {
    title: "Museum returns carved masks to village in Ghana", paragraphs: 4, published: "2024-05-16T14:20+02:00", credit: "Keystone/SDA", lang: "en",
    id: "museum-returns-carved-masks-to-village-in-ghana-a9713017dd",
  },
};

const HTML: Record<string, Expected & { url?: string | null; contains?: string[]; absent?: RegExp }> = {
  "page-site-suffix.html": {
    title: "Night buses to run all weekend in Glenford", paragraphs: 9, published: "2024-06-07T08:15:00+01:00", credit: null, lang: "en",
    id: "night-buses-to-run-all-weekend-in-glenford-", url: "https://valleynews.example/local/night-buses",
    contains: ["Why now", "Route N2: town centre to the university", "Three routes will link the town centre with the hospital, the university campus and the eastern housing estates. Tickets will cost the same as during the day."],
    absent: /Read more|Video:|Most read|\n/,
  },
  "page-section-title.html": {
    title: "Neue Brücke über die Mulde für den Verkehr freigegeben", paragraphs: 5, published: "2024-05-16T13:01:00+02:00", credit: null, lang: "de",
    id: "neue-bruecke-ueber-die-mulde-fuer-den-verkehr-fr-", contains: ["Umleitung entfällt"], absent: /^Sachsen$|Lesen Sie auch|16\.05\.2024/,
  },
  "page-age-check.html": {
    title: "Winzer im Wallis erwarten gute Ernte", paragraphs: 3, published: "2024-09-02T18:30:00+02:00", credit: null, lang: "de",
    id: "winzer-im-wallis-erwarten-gute-ernte-", absent: /über 18|Alter/,
  },
  "page-zh.html": { title: "山城新建图书馆正式开放", paragraphs: 3, published: "2024-05-16T09:00:00+08:00", credit: null, lang: "zh", id: "article-" },
  "page-ja.html": { title: "港町で新しい水族館が開館", paragraphs: 3, published: "2024-07-20T10:00:00+09:00", credit: null, lang: "ja", id: "article-" },
};

/** LF/CRLF x with/without the final newline. */
function variants(text: string): Array<[string, string]> {
  const lf = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  return [
    ["LF, final newline", lf + "\n"],
    ["LF, no final newline", lf],
    ["CRLF, final newline", lf.replace(/\n/g, "\r\n") + "\r\n"],
    ["CRLF, no final newline", lf.replace(/\n/g, "\r\n")],
  ];
}

const figures = { articles: 0, paragraphsRight: 0, titlesRight: 0, datesRight: 0 };

describe("wire fixtures in every line-end variant", () => {
  for (const [name, want] of Object.entries(WIRE)) {
    it(`${name}: ${want.paragraphs} paragraphs, title, date, credit, id`, () => {
      const results = variants(read(name)).map(([label, text]) => [label, parseArticle(text, { path: name }, "text")] as const);
      for (const [label, a] of results) {
        expect({ label, n: a.paragraphs.length }).toEqual({ label, n: want.paragraphs });
        expect(a.title).toBe(want.title);
        expect(a.published).toBe(want.published);
        expect(a.credit).toBe(want.credit);
        expect(a.lang).toBe(want.lang);
        expect(a.id).toBe(want.id);
        expect(a.warnings).toEqual(want.warnings ?? []);
        if (want.first) expect(a.paragraphs[0]).toBe(want.first);
        if (want.last) expect(a.paragraphs.at(-1)).toBe(want.last);
        expect(a.paragraphs.join("\n")).not.toMatch(/\r|^(?:Reuter|AP|dpa|\(lvb\)|Darum gehts|Folgst du)$/m);
        expect(a.paragraphs).toEqual(results[0]![1].paragraphs);
      }
      const a = results[0]![1];
      figures.articles++;
      if (a.paragraphs.length === want.paragraphs) figures.paragraphsRight++;
      if (a.title === want.title) figures.titlesRight++;
      if (a.published === want.published) figures.datesRight++;
    });
  }
});

describe("HTML fixtures", () => {
  for (const [name, want] of Object.entries(HTML)) {
    it(`${name}: headline without site name, ${want.paragraphs} paragraphs, date, language`, () => {
      const a = parseArticle(read(name), { path: name }, "html");
      expect(a.title).toBe(want.title);
      expect(a.paragraphs).toHaveLength(want.paragraphs);
      expect(a.published).toBe(want.published);
      expect(a.credit).toBe(want.credit);
      expect(a.lang).toBe(want.lang);
      expect(a.id.startsWith(want.id)).toBe(true);
      expect(a.id).toMatch(/^[a-z0-9-]+-[0-9a-f]{10}$/);
      if (want.url !== undefined) expect(a.url).toBe(want.url);
      for (const c of want.contains ?? []) expect(a.paragraphs).toContain(c);
      if (want.absent) for (const p of a.paragraphs) expect(p).not.toMatch(want.absent);
      figures.articles++;
      if (a.paragraphs.length === want.paragraphs) figures.paragraphsRight++;
      if (a.title === want.title) figures.titlesRight++;
      if (a.published === want.published) figures.datesRight++;
    });
  }

  it("refuses a page that is only an age check, by what it is", () => {
    expect(() => parseArticle(read("page-age-only.html"), { path: "age.html" }, "html")).toThrow(/^age\.html: an age-check page, not an article$/);
  });

  it("refuses a page nested 100,000 levels deep quickly, before parsing it", () => {
    const html = `<!doctype html><html><body>${"<div>".repeat(100_000)}<p>Text.</p>${"</div>".repeat(100_000)}</body></html>`;
    const start = Date.now();
    expect(() => parseArticle(html, { path: "deep.html" }, "html")).toThrow(/^deep\.html: HTML nested over 1000 levels deep, not parsed/);
    expect(Date.now() - start).toBeLessThan(1_000);
  });

  it("counts nesting without counting void elements or optional end tags", () => {
    expect(nestingDepth("<div><p>a<p>b<br><img src=x><ul><li>c<li>d</ul></div>")).toBe(2);
    expect(nestingDepth("<div><script>if (a<b) '<div><div>'</script></div>")).toBe(1);
  });
});

describe("refusals by content, not length", () => {
  it.each([
    ["consent", "Before you continue\nWe use cookies and data to deliver our services.\nAccept all\nReject all", /a cookie-consent page/],
    ["captcha", "Sicherheitsüberprüfung\nBitte bestätige, dass du kein Roboter bist.", /a captcha page/],
    ["paywall", "Schule erhält neues Dach\nDieser Artikel ist nur für Abonnenten verfügbar. Jetzt abonnieren und weiterlesen.", /a paywall stub/],
    ["error", "Page not found\nThe page you requested could not be found. Please check the address.", /an error page/],
  ])("%s", (_name, text, reason) => {
    expect(() => parseArticle(text, { path: "x.txt" }, "text")).toThrow(reason);
  });
});

describe("ids", () => {
  it("gives colliding declared ids a stable content-hash suffix, so both articles keep their own file", async () => {
    const ids = async () => {
      const out: string[] = [];
      for await (const item of readArticles([path.join(DIR, "feed-ids.jsonl")])) out.push("article" in item ? item.article.id : String(item.error));
      return out;
    };
    const first = await ids();
    expect(first).toEqual([
      "etc-passwd",
      "etc-passwd-57bef4978a",
      "wire-2024-05-16-council-votes-on-new-school-buil",
      "wire-2024-05-16-council-votes-on-new-school-buil-8e27a848a7",
    ]);
    expect(await ids()).toEqual(first);
  });

  it("keeps one id for the same article read twice", async () => {
    const items: ReadItem[] = [];
    for await (const item of readArticles([SEED_PATH, SEED_PATH])) items.push(item);
    const ids = items.map((i) => ("article" in i ? i.article.id : ""));
    expect(ids[0]).toBe(ids[1]);
  });
});

describe("the samples", () => {
  it("samples/putin-beijing.txt gives the same paragraphs with and without a final newline, LF or CRLF", () => {
    const results = variants(readFileSync(SEED_PATH, "utf8")).map(([, t]) => parseArticle(t, { path: SEED_PATH }, "text"));
    for (const a of results) {
      expect(a.paragraphs).toHaveLength(12);
      expect(a.paragraphs).toEqual(results[0]!.paragraphs);
      expect(a.id).toBe(results[0]!.id);
    }
  });

  it("corpus figures", () => {
    // printed for the closing note of issue 9
    console.log(`fixture corpus: ${JSON.stringify(figures)}`);
    expect(figures.articles).toBe(Object.keys(WIRE).length + Object.keys(HTML).length);
    expect(figures.paragraphsRight).toBe(figures.articles);
    expect(figures.titlesRight).toBe(figures.articles);
    expect(figures.datesRight).toBe(figures.articles);
  });
});

describe("structure warnings", () => {
  it("warns when wire copy has one paragraph of several hundred words", () => {
    const sentence = "The council met again on Tuesday to discuss the budget for the coming year and did not decide. ";
    const a = parseArticle(`Budget talks go on\n${sentence.repeat(20)}\n`, { path: "x.txt" }, "text");
    expect(a.warnings).toEqual(["structure looks lost: one paragraph of 360 words"]);
  });
});
