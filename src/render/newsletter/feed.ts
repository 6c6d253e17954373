// A newsletter section as a feed a mail tool or CMS can pull: RSS 2.0 or JSON Feed 1.1. Every
// piece of article or model text is escaped (XML text, or JSON with its HTML escaped inside).
import { cleanText, escapeHtml, safeHttpUrl } from "../escape.ts";
import type { PublishedDate } from "../../core/dates.ts";

export type FeedFormat = "rss" | "jsonfeed";

export interface FeedItemData {
  id: string;
  headline: string;
  teaser: string;
  keyPoints: string[];
  credit: string | null;
  url: string | null;
  date: PublishedDate | null;
}

export interface FeedSection {
  title: string;
  /** "de", "de-CH": the feed's language. */
  lang: string;
  /** The site the feed stands for (RSS <link>, JSON Feed home_page_url); http(s) only. */
  link: string | null;
  /** Where the feed itself will be published (JSON Feed feed_url), if known. */
  feedUrl?: string | null;
  /** A line about the feed (RSS <description>); default the title. */
  description?: string;
  generator: string;
  /** "now", for lastBuildDate (tests pass a fixed time). */
  now?: Date;
  items: FeedItemData[];
  maxPoints: number;
}

// Characters XML 1.0 does not allow at all (C0 controls but tab/newline/return, lone surrogates, FFFE/FFFF).
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text for XML element content or a quoted attribute: invalid characters dropped, markup escaped. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** One line of untrusted text, as plain text (controls out, whitespace collapsed, no lone surrogates). */
function plain(text: string | null | undefined): string {
  return cleanText(text ?? "").replace(NOT_XML, "");
}

/** The item's body as HTML: the teaser, the key points, the credit; every value escaped. */
function itemHtml(item: FeedItemData, maxPoints: number): string {
  const parts: string[] = [];
  const teaser = plain(item.teaser);
  if (teaser) parts.push(`<p>${escapeHtml(teaser)}</p>`);
  const points = item.keyPoints.map(plain).filter(Boolean).slice(0, maxPoints);
  if (points.length > 0) parts.push(`<ul>${points.map((p) => `<li>${escapeHtml(p)}</li>`).join("")}</ul>`);
  const credit = plain(item.credit);
  if (credit) parts.push(`<p>${escapeHtml(credit)}</p>`);
  return parts.join("");
}

function itemText(item: FeedItemData, maxPoints: number): string {
  const points = item.keyPoints.map(plain).filter(Boolean).slice(0, maxPoints).map((p) => `- ${p}`);
  return [plain(item.teaser), points.join("\n"), plain(item.credit)].filter(Boolean).join("\n\n");
}

/** RFC 822 for RSS ("Thu, 16 May 2024 08:30:00 GMT"), or null for a date that is not ISO. */
function rfc822(date: PublishedDate | null): string | null {
  return date?.time == null ? null : new Date(date.time).toUTCString();
}

/** RFC 3339 for JSON Feed, or null. */
function rfc3339(date: PublishedDate | null): string | null {
  return date?.time == null ? null : new Date(date.time).toISOString().replace(/\.000Z$/, "Z");
}

/** RSS 2.0: channel title, link, description, language; per item title, link, guid, pubDate, description. */
export function renderRss(section: FeedSection): string {
  const link = safeHttpUrl(section.link) ?? "";
  const now = section.now ?? new Date();
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">`,
    `  <channel>`,
    `    <title>${escapeXml(plain(section.title))}</title>`,
    `    <link>${escapeXml(link)}</link>`,
    `    <description>${escapeXml(plain(section.description ?? section.title))}</description>`,
    `    <language>${escapeXml(section.lang)}</language>`,
    `    <lastBuildDate>${now.toUTCString()}</lastBuildDate>`,
    `    <generator>${escapeXml(section.generator)}</generator>`,
  ];
  for (const item of section.items) {
    const url = safeHttpUrl(item.url);
    const date = rfc822(item.date);
    const credit = plain(item.credit);
    lines.push(
      `    <item>`,
      `      <title>${escapeXml(plain(item.headline))}</title>`,
      ...(url ? [`      <link>${escapeXml(url)}</link>`] : []),
      url ? `      <guid isPermaLink="true">${escapeXml(url)}</guid>` : `      <guid isPermaLink="false">${escapeXml(item.id)}</guid>`,
      ...(date ? [`      <pubDate>${date}</pubDate>`] : []),
      ...(credit ? [`      <dc:creator>${escapeXml(credit)}</dc:creator>`] : []),
      `      <description>${escapeXml(itemHtml(item, section.maxPoints))}</description>`,
      `    </item>`,
    );
  }
  lines.push(`  </channel>`, `</rss>`);
  return lines.join("\n") + "\n";
}

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1): every string JSON-encoded; content_html escaped HTML. */
export function renderJsonFeed(section: FeedSection): string {
  const home = safeHttpUrl(section.link);
  const feedUrl = safeHttpUrl(section.feedUrl ?? null);
  const feed = {
    version: "https://jsonfeed.org/version/1.1",
    title: plain(section.title),
    ...(home ? { home_page_url: home } : {}),
    ...(feedUrl ? { feed_url: feedUrl } : {}),
    description: plain(section.description ?? section.title),
    language: section.lang,
    items: section.items.map((item) => {
      const url = safeHttpUrl(item.url);
      const date = rfc3339(item.date);
      const credit = plain(item.credit);
      return {
        id: url ?? item.id,
        ...(url ? { url } : {}),
        title: plain(item.headline),
        summary: plain(item.teaser),
        content_html: itemHtml(item, section.maxPoints),
        content_text: itemText(item, section.maxPoints),
        ...(date ? { date_published: date } : {}),
        ...(credit ? { authors: [{ name: credit }] } : {}),
        language: section.lang,
      };
    }),
  };
  // "<" as \u003c: the JSON stays valid, and cannot close a <script> it is ever pasted into.
  return JSON.stringify(feed, null, 2).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029") + "\n";
}
