// Feed inputs: RSS, Atom and JSON Feed files and URLs, item selection, item pages, URL list files.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { ReadItem } from "../src/article/index.ts";
import { parseFeed, parseSince, selectItems, sniffFeed } from "../src/article/feed.ts";
import { ROOT, tempDir, readAll } from "./support/setup.ts";
import { serve, startWebServer, storyContent, storyPage, type WebServer } from "./support/web-server.ts";

const FIXTURES = path.join(ROOT, "test/fixtures/feeds");

let web: WebServer;
beforeAll(async () => {
  web = await startWebServer();
});
afterAll(() => web.close());
beforeEach(() => web.reset());

const label = (i: ReadItem) => ("article" in i ? i.article.url ?? i.article.source.path : `ERROR ${i.error.message}`);

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const rfc822 = (ms: number) => new Date(ms).toUTCString();
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface TestItem {
  n: number;
  ageHours?: number;
  link?: string;
  content?: boolean;
}

/** An RSS 2.0 feed as sites write it: channel, items with title, link, guid, pubDate, description, maybe content:encoded. */
function rss(items: TestItem[], now = Date.now()): string {
  const body = items
    .map((it) => {
      const link = it.link ?? `${web.url}/story/${it.n}`;
      return `<item>
  <title>Story ${it.n}: ${esc("news & more")}</title>
  <link>${esc(link)}</link>
  <guid isPermaLink="true">${esc(link)}</guid>
  ${it.ageHours === undefined ? "" : `<pubDate>${rfc822(now - it.ageHours * HOUR)}</pubDate>`}
  <description>A short teaser for story ${it.n}.</description>
  ${it.content ? `<content:encoded><![CDATA[${storyContent(it.n)}]]></content:encoded>` : ""}
</item>`;
    })
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Example News</title><link>${web.url}/</link><description>Latest</description><language>en</language>
${body}
</channel></rss>`;
}

function routeStories(count: number) {
  for (let n = 1; n <= count; n++) web.route(`/story/${n}`, serve(storyPage(n)));
}

describe("feed files", () => {
  it("reads an RSS file on disk: one article per item from content:encoded, newest first, with link and date", async () => {
    const items = await readAll([path.join(FIXTURES, "desk.rss")]);
    expect(items.map(label)).toEqual([
      "https://www.example.ch/region/badi-saison",
      "https://www.example.ch/region/buslinie-seedorf",
      "https://www.example.ch/region/muehle-museum",
    ]);
    const first = (items[0] as { article: import("../src/core/types.ts").Article }).article;
    expect(first.title).toBe("Badi & Seeufer: Saison beginnt früher");
    expect(first.published).toBe("2031-04-15T16:40:00+02:00");
    expect(first.lang).toBe("de");
    expect(first.paragraphs).toHaveLength(3);
    expect(first.paragraphs[0]).toMatch(/^Die Badi am Seeufer öffnet/);
    expect(web.requests).toHaveLength(0); // the feed carried the text: no page fetched
  });

  it("reads Atom (html and xhtml content, relative links) and JSON Feed (content_html and content_text)", async () => {
    const atom = await readAll([path.join(FIXTURES, "desk.atom")]);
    expect(atom.map(label)).toEqual(["https://news.example.org/2031/04/harbour-wall", "https://news.example.org/2031/04/lighthouse-keeper"]);
    const harbour = (atom[0] as { article: import("../src/core/types.ts").Article }).article;
    expect(harbour.title).toBe("Harbour wall repaired after storms");
    expect(harbour.paragraphs).toHaveLength(3);
    const keeper = (atom[1] as { article: import("../src/core/types.ts").Article }).article;
    expect(keeper.paragraphs[1]).toContain("120 steps");

    const json = await readAll([path.join(FIXTURES, "desk.json")]);
    expect(json.map(label)).toEqual(["https://valley.example.net/stories/school-roof", "https://valley.example.net/stories/orchard-harvest"]);
    const orchard = (json[1] as { article: import("../src/core/types.ts").Article }).article;
    expect(orchard.paragraphs).toHaveLength(3);
    expect(orchard.published).toBe("2031-04-13T12:00:00+02:00");
  });

  it("applies --limit and --since to a feed file", async () => {
    const limited = await readAll([path.join(FIXTURES, "desk.rss")], { limit: 1 });
    expect(limited.map(label)).toEqual(["https://www.example.ch/region/badi-saison"]);
    const since = await readAll([path.join(FIXTURES, "desk.rss")], { since: parseSince("2031-04-14") });
    expect(since.map(label)).toEqual(["https://www.example.ch/region/badi-saison", "https://www.example.ch/region/buslinie-seedorf"]);
  });

  it("a feed file with a .xml or no known extension is told by its content; a broken one is one error", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "feed.xml"), rss([{ n: 1, ageHours: 1, content: true }]));
    writeFileSync(path.join(dir, "broken.rss"), "<html><body>not a feed</body></html>");
    const items = await readAll([path.join(dir, "feed.xml"), path.join(dir, "broken.rss")]);
    expect(items.map(label)).toEqual([`${web.url}/story/1`, `ERROR ${path.join(dir, "broken.rss")}: not a feed (no <rss>, <feed> or JSON Feed version)`]);
  });
});

describe("feed URLs", () => {
  it("a feed of 50 linked items with --limit 5: the 5 newest, their pages fetched, nothing else", async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ n: i + 1, ageHours: (i * 7) % 50 }));
    web.route("/rss.xml", serve(rss(items), "application/rss+xml; charset=utf-8"));
    routeStories(50);
    const read = await readAll([`${web.url}/rss.xml`], { limit: 5 });
    const newest = [...items].sort((a, b) => a.ageHours - b.ageHours).slice(0, 5).map((i) => `${web.url}/story/${i.n}`);
    expect(read.map(label)).toEqual(newest);
    expect(web.requests.map((r) => r.path).sort()).toEqual(["/rss.xml", ...newest.map((u) => new URL(u).pathname)].sort());
  });

  it("--since 6h keeps the items of the last six hours (and undated ones)", async () => {
    const items = [
      { n: 1, ageHours: 1 },
      { n: 2, ageHours: 10 },
      { n: 3, ageHours: 5.5 },
      { n: 4, ageHours: 48 },
      { n: 5 }, // no date
    ];
    web.route("/feed", serve(rss(items), "text/xml"));
    routeStories(5);
    const read = await readAll([`${web.url}/feed`], { since: parseSince("6h") });
    expect(read.map(label)).toEqual([`${web.url}/story/1`, `${web.url}/story/3`, `${web.url}/story/5`]);
  });

  it("items that only link: pages fetched through the HTML reader, the item's date kept when the page has none", async () => {
    const now = Date.now();
    web.route("/rss", serve(rss([{ n: 1, ageHours: 2 }, { n: 2, ageHours: 3 }], now), "application/rss+xml"));
    web.route("/story/1", serve(storyPage(1, { date: "2031-04-16T06:00:00+02:00" })));
    web.route("/story/2", (_q, r) => void r.writeHead(301, { location: "/articles/two" }).end());
    web.route("/articles/two", serve(storyPage(2)));
    const read = await readAll([`${web.url}/rss`]);
    const [one, two] = read.map((i) => ("article" in i ? i.article : null));
    expect(one!.published).toBe("2031-04-16T06:00:00+02:00");
    expect(one!.title).toBe("Story 1: Zurich library news number 1");
    expect(two!.url).toBe(`${web.url}/articles/two`);
    expect(two!.source.path).toBe(`${web.url}/story/2`);
    expect(Date.parse(two!.published!)).toBe(Math.floor((now - 3 * HOUR) / 1000) * 1000);
  });

  it("a 404 and a slow page among good items: each one error line, the others read", async () => {
    web.route("/rss", serve(rss([1, 2, 3, 4].map((n) => ({ n, ageHours: n }))), "application/rss+xml"));
    web.route("/story/1", serve(storyPage(1)));
    web.route("/story/3", (_q, res) => void setTimeout(() => res.writeHead(200).end(storyPage(3)), 3_000).unref());
    web.route("/story/4", serve(storyPage(4)));
    const read = await readAll([`${web.url}/rss`], { fetchTimeoutMs: 500 });
    expect(read.map(label)).toEqual([
      `${web.url}/story/1`,
      `ERROR ${web.url}/story/2: HTTP 404 Not Found`,
      `ERROR ${web.url}/story/3: timeout: no complete answer within 0.5 s (--fetch-timeout)`,
      `${web.url}/story/4`,
    ]);
  });

  it("reads Atom and JSON Feed from URLs, relative links resolved against the feed's URL", async () => {
    web.route("/atom", serve(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <entry><title>Only a link</title><link href="/story/2"/><id>x</id><updated>2031-04-01T00:00:00Z</updated></entry></feed>`, "application/atom+xml"));
    web.route("/feed.json", serve(JSON.stringify({ version: "https://jsonfeed.org/version/1.1", title: "J", items: [{ id: "1", url: "story/3", title: "Linked" }] }), "application/feed+json"));
    routeStories(3);
    const read = await readAll([`${web.url}/atom`, `${web.url}/feed.json`]);
    expect(read.map(label)).toEqual([`${web.url}/story/2`, `${web.url}/story/3`]);
  });

  it("a feed with no items, or not a feed at all, is one error naming it", async () => {
    web.route("/empty", serve(`<rss version="2.0"><channel><title>Empty</title></channel></rss>`, "application/rss+xml"));
    web.route("/json", serve(`{"hello": "world"}`, "application/json"));
    const read = await readAll([`${web.url}/empty`, `${web.url}/json`]);
    expect(read.map(label)).toEqual([`ERROR ${web.url}/empty: the feed has no items`, `ERROR ${web.url}/json: not HTML (Content-Type application/json)`]);
  });
});

describe("URL list files", () => {
  it("reads every URL of a list (comments and blank lines skipped), a feed among them, refusing other schemes", async () => {
    web.route("/rss", serve(rss([{ n: 2, ageHours: 1, content: true }]), "application/rss+xml"));
    routeStories(1);
    const dir = tempDir();
    const list = path.join(dir, "feeds.txt");
    writeFileSync(list, `# the desk's sources\n\n${web.url}/story/1\n  ${web.url}/rss  \n# off for now: ${web.url}/nothing\nftp://ftp.example.org/wire.txt\n`);
    const read = await readAll([list]);
    expect(read.map(label)).toEqual([
      `${web.url}/story/1`,
      `${web.url}/story/2`,
      "ERROR ftp://ftp.example.org/wire.txt: ftp: URLs are not read (only http and https)",
    ]);
  });

  it("wire copy that mentions a URL is still wire copy", async () => {
    const dir = tempDir();
    const file = path.join(dir, "story.txt");
    writeFileSync(
      file,
      `City opens new harbour walk\nhttps://www.example.ch/harbour\n\nThe city opened a new walk along the harbour on Monday, after two years of building work by the canton.\n\nResidents and visitors can now walk from the station to the old town along the water, the city said.\n`,
    );
    const read = await readAll([file]);
    expect(read).toHaveLength(1);
    expect("article" in read[0]! && read[0].article.title).toBe("City opens new harbour walk");
    expect(web.requests).toHaveLength(0);
  });
});

describe("feed helpers", () => {
  it("sniffs feeds by their root and JSON Feed version", () => {
    expect(sniffFeed(`<?xml version="1.0"?>\n<!-- generator -->\n<rss version="2.0">`)).toBe("rss");
    expect(sniffFeed(`<rdf:RDF xmlns:rdf="...">`)).toBe("rss");
    expect(sniffFeed(`<feed xmlns="http://www.w3.org/2005/Atom">`)).toBe("atom");
    expect(sniffFeed(`{"version": "https://jsonfeed.org/version/1", "items": []}`)).toBe("jsonfeed");
    expect(sniffFeed(`<!doctype html><html>`)).toBeNull();
    expect(sniffFeed(`{"title": "x"}`)).toBeNull();
  });

  it("parses --since durations and dates, and refuses anything else", () => {
    const now = Date.parse("2031-04-16T12:00:00Z");
    expect(parseSince("6h", now).toISOString()).toBe("2031-04-16T06:00:00.000Z");
    expect(parseSince("2d", now).toISOString()).toBe("2031-04-14T12:00:00.000Z");
    expect(parseSince("90m", now).toISOString()).toBe("2031-04-16T10:30:00.000Z");
    expect(parseSince("1w", now).toISOString()).toBe("2031-04-09T12:00:00.000Z");
    expect(parseSince("2031-04-01T08:00:00Z", now).toISOString()).toBe("2031-04-01T08:00:00.000Z");
    expect(parseSince("2031-04-01", now).getDate()).toBe(1);
    expect(() => parseSince("yesterday", now)).toThrow(/neither a duration/);
    expect(() => parseSince("2031-02-30", now)).toThrow(RangeError);
  });

  it("selects newest first, undated last in feed order", () => {
    const feed = parseFeed(rss([{ n: 1 }, { n: 2, ageHours: 5 }, { n: 3 }, { n: 4, ageHours: 1 }]), "f");
    expect(selectItems(feed.items).map((i) => i.index)).toEqual([4, 2, 1, 3]);
    expect(selectItems(feed.items, { limit: 2 }).map((i) => i.index)).toEqual([4, 2]);
  });

  it("does not expand entities a feed defines itself", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title><item><title>&b;</title><link>https://x.example/1</link></item></channel></rss>`;
    const feed = parseFeed(bomb, "bomb");
    expect(feed.items[0]!.title.length).toBeLessThan(20);
  });
});
