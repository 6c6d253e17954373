// Newsletter section from article snippets: HTML for email or Markdown, laid out by an editable
// layout file (see layout.ts and docs/newsletter.md). Every value is escaped here, before it
// reaches the layout; the layout itself is trusted.

import {
  cleanText,
  escapeHtml,
  escapeMarkdown,
  escapeMarkdownLineStart,
  markdownUrl,
  safeHttpUrl,
} from "../escape.ts";
import { formatPublished, parsePublished, type PublishedDate } from "../../core/dates.ts";
import type { ChannelTexts, LanguageResult } from "../../core/types.ts";
import { loadLayout, renderBlock, type Layout } from "./layout.ts";
import { renderJsonFeed, renderRss, type FeedFormat } from "./feed.ts";

export { loadLayout, parseLayout, defaultLayoutPath, BLOCK_VARIABLES, REQUIRED_BLOCKS } from "./layout.ts";
export type { Layout, LayoutFormat, BlockName } from "./layout.ts";
export { formatPublished, parsePublished } from "../../core/dates.ts";
export { renderRss, renderJsonFeed, escapeXml, type FeedFormat, type FeedSection } from "./feed.ts";

export interface NewsletterItem {
  id: string;
  /** Model text: untrusted. */
  headline: string;
  teaser: string;
  keyPoints: string[];
  /** e.g. "Keystone/SDA" (article text: untrusted too). */
  credit: string | null;
  /** ISO 8601 date or date-time, or raw text, or null. */
  published: string | null;
  /** Untrusted: only http(s) links are rendered, anything else is dropped. */
  url: string | null;
  /** Channel texts (model text: untrusted), when the digest wrote them (--channels). */
  channels?: ChannelTexts;
}

export interface NewsletterOptions {
  /** md, html (a layout), or rss / jsonfeed (the section as an RSS 2.0 or JSON Feed 1.1 feed). */
  format: "md" | "html" | FeedFormat;
  /** "de", "en", "de-CH", ...: the lang attribute and the date format. */
  lang: string;
  /** Section title; default "Nachrichten" for German, else "News". */
  title?: string;
  /** Max key points per item (default 3). */
  points?: number;
  /** "newest" (default): newest published first, undated last in input order; stable. */
  order?: "newest" | "input";
  /** Path of a custom layout file; default templates/newsletter.<md|html>. */
  template?: string;
  /** rss / jsonfeed: the site the feed stands for; default the origin of the first item's link. */
  link?: string;
  /** jsonfeed: where the feed itself is published (feed_url). */
  feedUrl?: string;
  /** rss / jsonfeed: the generator's name and version, e.g. "newsdesk 0.1.0". */
  generator?: string;
  /** rss: the build time written as lastBuildDate (default now). */
  now?: Date;
}

const META_SEPARATOR = " · ";

/**
 * An item's headline: headline option `option` (1-based, as `newsdesk headlines` numbers them)
 * when the result has it, else the digest snippet's headline (`newsletter --headline N`).
 */
export function itemHeadline(version: Partial<LanguageResult>, option?: number): string {
  const chosen = option === undefined ? undefined : version.headlines?.[option - 1]?.text;
  return typeof chosen === "string" && chosen.trim() !== "" ? chosen : (version.snippet?.headline ?? "");
}

/** Renders a newsletter section (an HTML fragment or Markdown), ending with one newline. */
export function renderNewsletter(items: NewsletterItem[], options: NewsletterOptions): string {
  const { format } = options;
  if (format !== "md" && format !== "html" && format !== "rss" && format !== "jsonfeed") throw new Error(`unknown newsletter format "${String(format)}"`);
  const lang = canonicalLang(options.lang);
  const maxPoints = options.points ?? 3;
  if (!Number.isInteger(maxPoints) || maxPoints < 0) {
    throw new RangeError(`points must be a whole number >= 0, got ${String(options.points)}`);
  }
  if (format === "rss" || format === "jsonfeed") return renderFeedSection(items, { ...options, format }, lang, maxPoints);
  const layout = loadLayout(format, options.template);
  const html = format === "html";
  const esc = html ? (s: string) => escapeHtml(cleanText(s)) : (s: string) => escapeMarkdown(s);
  // For pieces joined after other text (credit, date): no line-start escaping of the piece itself.
  const escPart = html ? esc : (s: string) => escapeMarkdown(s, { lineStart: false });
  const lineStart = html ? (s: string) => s : escapeMarkdownLineStart;
  const title = options.title ?? (lang.toLowerCase().startsWith("de") ? "Nachrichten" : "News");

  const rendered = datedOrder(items, options.order).map(({ item, date }) => renderItem(layout, item, date, { lang, maxPoints, esc, escPart, lineStart }));
  const section = renderBlock(layout, "section", {
    title: esc(title),
    lang: escapeHtml(lang),
    items: rendered.join(format === "md" ? "\n\n" : "\n"),
    count: String(items.length),
  });
  // Empty optional parts leave blank lines behind: Markdown keeps at most one, HTML none.
  const tidy = html
    ? section.replace(/\n[ \t]*(?=\n)/g, "")
    : section.replace(/\n[ \t]*(?:\n[ \t]*)+\n/g, "\n\n");
  return tidy.trimEnd() + "\n";
}

interface ItemContext {
  lang: string;
  maxPoints: number;
  esc: (text: string) => string;
  escPart: (text: string) => string;
  lineStart: (line: string) => string;
}

function renderItem(layout: Layout, item: NewsletterItem, date: PublishedDate | null, ctx: ItemContext): string {
  const { esc } = ctx;
  const href = safeHttpUrl(item.url);
  const url = href === null ? "" : layout.format === "html" ? escapeHtml(href) : markdownUrl(href);
  const headlineText = esc(item.headline ?? "");
  const headline = url === "" ? headlineText : renderBlock(layout, "link", { url, text: headlineText });

  const points = (item.keyPoints ?? [])
    .map((point) => esc(point ?? ""))
    .filter((point) => point !== "")
    .slice(0, ctx.maxPoints)
    .map((text) => renderBlock(layout, "point", { text }))
    .join("\n");

  const credit = ctx.escPart(item.credit ?? "");
  const shownDate = date === null ? "" : ctx.escPart(formatPublished(date, ctx.lang));
  const meta = ctx.lineStart([credit, shownDate].filter((part) => part !== "").join(META_SEPARATOR));
  const teaser = esc(item.teaser ?? "");

  return renderBlock(layout, "item", {
    headline,
    headline_text: headlineText,
    teaser: wrap(layout, "teaser", teaser),
    points: wrap(layout, "points", points),
    meta: wrap(layout, "meta", meta),
    credit: ctx.lineStart(credit),
    date: ctx.lineStart(shownDate),
    url,
    id: esc(item.id ?? ""),
    push: esc(item.channels?.push ?? ""),
    social: esc(item.channels?.social ?? ""),
    seo_title: esc(item.channels?.seoTitle ?? ""),
    seo_description: esc(item.channels?.seoDescription ?? ""),
  });
}

/** An optional wrapper block around a value: used when the layout has it and the value is not empty. */
function wrap(layout: Layout, block: "teaser" | "points" | "meta", value: string): string {
  if (value === "" || layout.blocks[block] === undefined) return value;
  return renderBlock(layout, block, { [block]: value });
}

/** The section as a feed: the same items, order and points as the layouts, every value escaped by the feed writer. */
function renderFeedSection(items: NewsletterItem[], options: NewsletterOptions & { format: FeedFormat }, lang: string, maxPoints: number): string {
  const title = options.title ?? (lang.toLowerCase().startsWith("de") ? "Nachrichten" : "News");
  const ordered = datedOrder(items, options.order);
  const firstLink = ordered.map(({ item }) => safeHttpUrl(item.url)).find((u) => u !== null);
  const section = {
    title,
    lang,
    link: options.link ?? (firstLink ? new URL(firstLink).origin + "/" : null),
    feedUrl: options.feedUrl ?? null,
    generator: options.generator ?? "newsdesk",
    now: options.now,
    maxPoints,
    items: ordered.map(({ item, date }) => ({ ...item, keyPoints: item.keyPoints ?? [], date })),
  };
  return options.format === "rss" ? renderRss(section) : renderJsonFeed(section);
}

/** The items in the order a section shows them (newest first unless `order` is "input"), for a writer that lists the items itself (the review desk's JSON export). */
export function sectionOrder(items: NewsletterItem[], order?: NewsletterOptions["order"]): NewsletterItem[] {
  return datedOrder(items, order).map(({ item }) => item);
}

function datedOrder(items: NewsletterItem[], order: NewsletterOptions["order"]): { item: NewsletterItem; index: number; date: PublishedDate | null }[] {
  const dated = items.map((item, index) => ({ item, index, date: parsePublished(item.published) }));
  return order === "input" ? dated : sortNewest(dated);
}

function sortNewest<T extends { index: number; date: PublishedDate | null }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => {
    const ta = a.date?.time ?? null;
    const tb = b.date?.time ?? null;
    if (ta !== null && tb !== null && ta !== tb) return tb - ta;
    if (ta === null && tb !== null) return 1;
    if (ta !== null && tb === null) return -1;
    return a.index - b.index;
  });
}

function canonicalLang(lang: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(lang);
    if (canonical) return canonical;
  } catch {
    // fall through
  }
  throw new RangeError(`invalid language tag "${lang}" (expected e.g. "de", "en", "de-CH")`);
}
