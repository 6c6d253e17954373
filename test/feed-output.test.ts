// newsletter --format rss|jsonfeed: valid RSS 2.0 and JSON Feed 1.1, parsed back; every text escaped.
import { describe, expect, it } from "vitest";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { renderNewsletter, type NewsletterItem } from "../src/render/newsletter/index.ts";
import { parseFeed } from "../src/article/feed.ts";

const HOSTILE = `<script>alert("x")</script> & 'Co' ]]> \u0007bell`;

const items: NewsletterItem[] = [
  {
    id: "ferry-1",
    headline: "Rheinfähre fährt wieder",
    teaser: "Die Fähre hat nach drei Monaten Reparatur den Betrieb wieder aufgenommen.",
    keyPoints: ["Reparatur kostete rund 180'000 Franken.", "Erste Fahrt mit einer Schulklasse.", "Fährt bis Oktober.", "Vierter Punkt."],
    credit: "Keystone-SDA",
    published: "2031-04-12T08:30:00+02:00",
    url: "https://www.example.ch/basel/ferry?a=1&b=2",
  },
  {
    id: "hostile-2",
    headline: HOSTILE,
    teaser: `<img src=x onerror=alert(2)> teaser`,
    keyPoints: [`<b>bold</b> point`],
    credit: null,
    published: "2031-04-14",
    url: "javascript:alert(1)",
  },
  {
    id: "undated-3",
    headline: "Undated story",
    teaser: "No date at all.",
    keyPoints: [],
    credit: null,
    published: "last Tuesday",
    url: null,
  },
];

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false, isArray: (n) => n === "item" });

describe("newsletter as RSS 2.0", () => {
  const xml = renderNewsletter(items, { format: "rss", lang: "de-CH", title: "Morgen & Abend", now: new Date("2031-04-15T06:00:00Z"), generator: "newsdesk 0.1.0" });

  it("is well-formed XML with the channel's required elements", () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    const channel = parser.parse(xml).rss.channel;
    expect(parser.parse(xml).rss["@version"]).toBe("2.0");
    expect(channel.title).toBe("Morgen & Abend");
    expect(channel.link).toBe("https://www.example.ch/");
    expect(channel.description).toBe("Morgen & Abend");
    expect(channel.language).toBe("de-CH");
    expect(channel.lastBuildDate).toBe("Tue, 15 Apr 2031 06:00:00 GMT");
  });

  it("has one item per article, newest first, each with title, link, guid, date and description", () => {
    const got = parser.parse(xml).rss.channel.item;
    expect(got.map((i: { title: string }) => i.title)).toEqual([HOSTILE.replace("\u0007", "").replace(/\s+/g, " "), "Rheinfähre fährt wieder", "Undated story"]);
    const ferry = got[1];
    expect(ferry.link).toBe("https://www.example.ch/basel/ferry?a=1&b=2");
    expect(ferry.guid["#text"]).toBe(ferry.link);
    expect(ferry.pubDate).toBe("Sat, 12 Apr 2031 06:30:00 GMT");
    expect(ferry["dc:creator"]).toBe("Keystone-SDA");
    expect(ferry.description).toBe(
      "<p>Die Fähre hat nach drei Monaten Reparatur den Betrieb wieder aufgenommen.</p><ul><li>Reparatur kostete rund 180&#39;000 Franken.</li><li>Erste Fahrt mit einer Schulklasse.</li><li>Fährt bis Oktober.</li></ul><p>Keystone-SDA</p>",
    );
    // No link for a javascript: URL or none; a guid that is not a permalink then.
    expect(got[0].link).toBeUndefined();
    expect(got[0].guid).toEqual({ "#text": "hostile-2", "@isPermaLink": "false" });
    expect(got[2].pubDate).toBeUndefined();
  });

  it("escapes <script> in a title: no markup, no CDATA break-out, no control characters", () => {
    expect(xml).not.toMatch(/<script|<img|<b>|javascript:/i);
    expect(xml).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;Co&apos; ]]&gt;");
    expect(xml).not.toContain("\u0007");
    const description = parser.parse(xml).rss.channel.item[0].description;
    // The description is HTML as text: the model's markup is escaped inside it too.
    expect(description).toContain("&lt;img src=x onerror=alert(2)&gt; teaser");
  });

  it("reads back through newsdesk's own feed reader", () => {
    const feed = parseFeed(xml, "section.rss");
    expect(feed.kind).toBe("rss");
    expect(feed.items.map((i) => i.link)).toEqual([null, "https://www.example.ch/basel/ferry?a=1&b=2", null]);
    expect(feed.items[1]!.published).toBe("2031-04-12T06:30:00Z");
  });
});

describe("newsletter as JSON Feed 1.1", () => {
  const text = renderNewsletter(items, { format: "jsonfeed", lang: "en", link: "https://news.example.org/", feedUrl: "https://news.example.org/feed.json" });
  const feed = JSON.parse(text);

  it("has the version, title and items with id, url, title, content and date", () => {
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.title).toBe("News");
    expect(feed.home_page_url).toBe("https://news.example.org/");
    expect(feed.feed_url).toBe("https://news.example.org/feed.json");
    expect(feed.language).toBe("en");
    expect(feed.items).toHaveLength(3);
    for (const item of feed.items) {
      expect(typeof item.id).toBe("string");
      expect(typeof item.title).toBe("string");
      expect(typeof item.content_html === "string" || typeof item.content_text === "string").toBe(true);
    }
    const ferry = feed.items[1];
    expect(ferry).toMatchObject({
      id: "https://www.example.ch/basel/ferry?a=1&b=2",
      url: "https://www.example.ch/basel/ferry?a=1&b=2",
      title: "Rheinfähre fährt wieder",
      date_published: "2031-04-12T06:30:00Z",
      authors: [{ name: "Keystone-SDA" }],
    });
    expect(feed.items[0].date_published).toBe("2031-04-14T00:00:00Z");
    expect(feed.items[2].date_published).toBeUndefined();
  });

  it("keeps hostile text as text: escaped in content_html, no raw < anywhere in the file", () => {
    const hostile = feed.items[0];
    expect(hostile.title).toBe(HOSTILE.replace("\u0007", "").replace(/\s+/g, " "));
    expect(hostile.url).toBeUndefined();
    expect(hostile.content_html).toContain("&lt;img src=x onerror=alert(2)&gt; teaser");
    expect(hostile.content_html).not.toMatch(/<img|<b>/);
    expect(text).not.toContain("<");
  });

  it("reads back through newsdesk's own feed reader", () => {
    const back = parseFeed(text, "section.json");
    expect(back.kind).toBe("jsonfeed");
    expect(back.items[1]!.title).toBe("Rheinfähre fährt wieder");
  });
});
