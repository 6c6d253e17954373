// Feeds -> items: RSS 2.0 (and RSS 1.0/RDF), Atom and JSON Feed, parsed with fast-xml-parser (XML)
// or JSON.parse, mapped onto one shape. Which items to read (--since, --limit) is decided here too.
import { XMLParser } from "fast-xml-parser";
import { InputError } from "./errors.ts";
import { parseDate } from "./dates.ts";

export type FeedKind = "rss" | "atom" | "jsonfeed";

export interface FeedItem {
  /** 1-based position in the feed as written. */
  index: number;
  title: string;
  /** The item's page (absolute http/https), or null. */
  link: string | null;
  /** guid / id, when given. */
  id: string | null;
  /** ISO 8601, or null when the item has no date newsdesk can read. */
  published: string | null;
  /** The item's full text as HTML (content:encoded, Atom content, content_html), or null. */
  contentHtml: string | null;
  /** Full text as plain text (JSON Feed content_text, Atom content type="text"), or null. */
  contentText: string | null;
  /** The description / summary: a teaser, used only for an item with no content and no link. */
  summary: string | null;
}

export interface Feed {
  kind: FeedKind;
  title: string;
  /** Language the feed declares (<language>, xml:lang, JSON Feed language), if any. */
  lang: string | null;
  items: FeedItem[];
}

/** Whether text is a feed, by its first element / its JSON Feed version; null when it is not. */
export function sniffFeed(text: string): FeedKind | null {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (start.startsWith("{")) {
    return /"version"\s*:\s*"https?:\/\/jsonfeed\.org\/version\//.test(start.slice(0, 20_000)) ? "jsonfeed" : null;
  }
  if (!start.startsWith("<")) return null;
  // The root element: skip the XML declaration, comments, processing instructions and a doctype.
  const root = /^(?:\s*(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>))*\s*<([A-Za-z_][\w.:-]*)/i.exec(start);
  const name = root?.[1]?.toLowerCase() ?? "";
  if (name === "rss" || name === "rdf:rdf") return "rss";
  if (name === "feed" || name.endsWith(":feed")) return "atom";
  return null;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  // Atom content may be XHTML: kept as the raw markup it is, and decoded by its type below.
  stopNodes: ["feed.entry.content", "feed.entry.summary", "atom:feed.atom:entry.atom:content"],
  isArray: (name) => ["item", "entry", "link", "atom:entry", "atom:link", "category"].includes(name),
});

type Node = Record<string, unknown>;

function asNode(value: unknown): Node | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Node) : null;
}

/** An element's text: a string, or an element with attributes whose text is "#text". */
function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return text(value[0]);
  const node = asNode(value);
  if (node && "#text" in node) return text(node["#text"]);
  return null;
}

function first(node: Node, ...keys: string[]): unknown {
  for (const key of keys) if (node[key] !== undefined && node[key] !== null && node[key] !== "") return node[key];
  return undefined;
}

const XML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Raw XML character data (from a stop node) -> its text: CDATA sections as written, entities decoded. */
export function decodeXmlText(raw: string): string {
  return raw
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) =>
      part.startsWith("<![CDATA[")
        ? part.slice(9, -3)
        : part.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
            if (name[0] === "#") {
              const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
              return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
            }
            return XML_ENTITIES[name.toLowerCase()] ?? whole;
          }),
    )
    .join("");
}

function escapeForHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Tags out, entities in: a title given as HTML. */
function plainFromHtml(html: string): string {
  return decodeXmlText(html.replace(/<[^>]*>/g, " ")).replace(/&nbsp;/g, " ").replace(/\s+/g, " ").trim();
}

function absoluteHttp(href: string | null | undefined, base: string | null): string | null {
  if (!href) return null;
  try {
    const url = base ? new URL(href.trim(), base) : new URL(href.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Any date a feed writes (RFC 822 in RSS, RFC 3339 in Atom and JSON Feed) -> ISO 8601 with the feed's own offset, else null. */
export function feedDate(value: string | null): string | null {
  if (!value) return null;
  const raw = value.trim().replace(/\s+/g, " ");
  if (!raw) return null;
  const iso = parseDate(raw);
  if (iso) return iso;
  // Zone names RFC 822 allows that the reader does not know ("EST", "CEST", "PDT"): Date.parse reads most.
  const time = Date.parse(raw.replace(/\b(CEST|MESZ)\b/, "+0200").replace(/\b(CET|MEZ)\b/, "+0100"));
  return Number.isFinite(time) ? new Date(time).toISOString().replace(/\.000Z$/, "Z") : null;
}

/** An ISO date or date-time -> ms; a date is midnight UTC, a date-time without an offset is UTC. */
export function isoTime(iso: string | null): number {
  if (!iso) return NaN;
  if (!/T/.test(iso)) return Date.parse(`${iso}T00:00:00Z`);
  return Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`);
}

/** Parses a feed's text. `where` names it in errors; `base` resolves relative links (the feed's URL). */
export function parseFeed(source: string, where: string, base: string | null = null): Feed {
  const kind = sniffFeed(source);
  if (kind === null) throw new InputError(where, "not a feed (no <rss>, <feed> or JSON Feed version)");
  if (kind === "jsonfeed") return parseJsonFeed(source, where, base);
  let doc: Node;
  try {
    doc = parser.parse(source, true) as Node;
  } catch (error) {
    throw new InputError(where, `not a valid feed (${(error as Error).message.split("\n")[0]})`);
  }
  return kind === "rss" ? parseRss(doc, where, base) : parseAtom(doc, where, base);
}

function parseRss(doc: Node, where: string, base: string | null): Feed {
  const rss = asNode(doc.rss);
  const rdf = asNode(doc["rdf:RDF"]);
  const channel = asNode(rss?.channel) ?? asNode(rdf?.channel);
  if (!channel && !rdf) throw new InputError(where, "not a valid RSS feed (no <channel>)");
  const rawItems = ((channel?.item ?? rdf?.item ?? []) as unknown[]).map(asNode).filter((n): n is Node => n !== null);
  const channelLink = absoluteHttp(text(first(channel ?? {}, "link")), base) ?? base;
  const items = rawItems.map((item, i): FeedItem => {
    const guid = first(item, "guid");
    const guidText = text(guid);
    const guidIsLink = asNode(guid)?.["@isPermaLink"] !== "false";
    const link = absoluteHttp(text(first(item, "link")), channelLink) ?? (guidIsLink ? absoluteHttp(guidText, channelLink) : null) ?? absoluteHttp(typeof item["@rdf:about"] === "string" ? item["@rdf:about"] : null, channelLink);
    const encoded = text(first(item, "content:encoded"));
    return {
      index: i + 1,
      title: plainFromHtml(text(first(item, "title")) ?? ""),
      link,
      id: guidText,
      published: feedDate(text(first(item, "pubDate", "dc:date", "a10:updated", "published", "updated"))),
      contentHtml: encoded?.trim() ? encoded : null,
      contentText: null,
      summary: text(first(item, "description"))?.trim() || null,
    };
  });
  return {
    kind: "rss",
    title: plainFromHtml(text(first(channel ?? {}, "title")) ?? ""),
    lang: text(first(channel ?? {}, "language", "dc:language"))?.trim() || null,
    items,
  };
}

/** Atom text constructs: type text (entities decoded), html (decoded, then HTML), xhtml (the markup itself). */
function atomContent(value: unknown): { html: string | null; text: string | null } {
  if (value === undefined || value === null) return { html: null, text: null };
  const node = asNode(value);
  const raw = typeof value === "string" ? value : text(value) ?? "";
  if (node?.["@src"] && !raw.trim()) return { html: null, text: null }; // out-of-line content: the link is fetched
  const type = String(node?.["@type"] ?? "text").toLowerCase();
  if (type === "xhtml") return { html: raw.trim() || null, text: null };
  const decoded = decodeXmlText(raw).trim();
  if (!decoded) return { html: null, text: null };
  if (type === "html" || type === "text/html") return { html: decoded, text: null };
  return { html: null, text: decoded };
}

function atomLink(links: unknown, base: string | null): string | null {
  const nodes = ((Array.isArray(links) ? links : [links]) as unknown[]).map(asNode).filter((n): n is Node => n !== null);
  const alternate = nodes.find((l) => !l["@rel"] || l["@rel"] === "alternate") ?? null;
  return absoluteHttp(alternate?.["@href"] as string | undefined, base);
}

function parseAtom(doc: Node, where: string, base: string | null): Feed {
  const prefix = doc.feed ? "" : "atom:";
  const feed = asNode(doc[`${prefix}feed`]);
  if (!feed) throw new InputError(where, "not a valid Atom feed (no <feed>)");
  // Relative entry links resolve against xml:base, else the feed's URL, else its own alternate link.
  const feedBase = absoluteHttp(feed["@xml:base"] as string | undefined, base) ?? base ?? atomLink(feed[`${prefix}link`], null);
  const entries = ((feed[`${prefix}entry`] ?? []) as unknown[]).map(asNode).filter((n): n is Node => n !== null);
  const items = entries.map((entry, i): FeedItem => {
    const entryBase = absoluteHttp(entry["@xml:base"] as string | undefined, feedBase) ?? feedBase;
    const content = atomContent(entry[`${prefix}content`]);
    const summary = atomContent(entry[`${prefix}summary`]);
    const title = entry[`${prefix}title`];
    const titleType = String(asNode(title)?.["@type"] ?? "text");
    const titleText = text(title) ?? "";
    return {
      index: i + 1,
      title: titleType === "text" ? titleText.trim() : plainFromHtml(titleText),
      link: atomLink(entry[`${prefix}link`], entryBase),
      id: text(entry[`${prefix}id`]),
      published: feedDate(text(first(entry, `${prefix}published`, `${prefix}updated`))),
      contentHtml: content.html,
      contentText: content.text,
      summary: summary.html ?? (summary.text === null ? null : escapeForHtml(summary.text)),
    };
  });
  return {
    kind: "atom",
    title: plainFromHtml(text(feed[`${prefix}title`]) ?? ""),
    lang: (feed["@xml:lang"] as string | undefined)?.trim() || null,
    items,
  };
}

function parseJsonFeed(source: string, where: string, base: string | null): Feed {
  let doc: Node | null;
  try {
    doc = asNode(JSON.parse(source.replace(/^\uFEFF/, "")));
  } catch (error) {
    throw new InputError(where, `not valid JSON (${(error as Error).message})`);
  }
  if (!doc || !Array.isArray(doc.items)) throw new InputError(where, "not a valid JSON Feed (no items array)");
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v : null);
  const feedBase = absoluteHttp(str(doc.home_page_url), base) ?? base;
  const items = (doc.items as unknown[]).map(asNode).map((item, i): FeedItem => {
    const it = item ?? {};
    return {
      index: i + 1,
      title: str(it.title)?.trim() ?? "",
      link: absoluteHttp(str(it.url), feedBase) ?? absoluteHttp(str(it.external_url), feedBase),
      id: typeof it.id === "number" ? String(it.id) : str(it.id),
      published: feedDate(str(it.date_published) ?? str(it.date_modified)),
      contentHtml: str(it.content_html),
      contentText: str(it.content_text),
      summary: str(it.summary) === null ? null : escapeForHtml(str(it.summary)!),
    };
  });
  return { kind: "jsonfeed", title: str(doc.title) ?? "", lang: str(doc.language), items };
}

export { parseDuration, parseSince } from "./since.ts";

/**
 * The items to read: newest first (undated items after the dated ones, in feed order), those older
 * than `since` left out (an undated item is kept: nothing says it is old), at most `limit`.
 */
export function selectItems(items: FeedItem[], options: { since?: Date; limit?: number } = {}): FeedItem[] {
  const dated = items.map((item) => ({ item, t: isoTime(item.published) }));
  const since = options.since?.getTime();
  const kept = since === undefined ? dated : dated.filter(({ t }) => !Number.isFinite(t) || t >= since);
  kept.sort((a, b) => {
    const fa = Number.isFinite(a.t);
    const fb = Number.isFinite(b.t);
    if (fa && fb && a.t !== b.t) return b.t - a.t;
    if (fa !== fb) return fa ? -1 : 1;
    return a.item.index - b.item.index;
  });
  const chosen = kept.map(({ item }) => item);
  return options.limit === undefined ? chosen : chosen.slice(0, options.limit);
}

/**
 * An item with its own full text -> an HTML document the HTML reader reads like a page: headline,
 * date, link and language in the head, the content in <article>.
 */
export function itemDocument(item: FeedItem, lang: string | null): string | null {
  let body = item.contentHtml;
  if (body === null && item.contentText !== null) {
    body = item.contentText
      .split(/\r?\n[ \t]*\r?\n+/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => `<p>${escapeForHtml(p).replace(/\r?\n/g, " ")}</p>`)
      .join("\n");
  }
  if (body === null) return null;
  const attr = (v: string) => escapeForHtml(v).replace(/"/g, "&quot;");
  const head = [
    `<meta charset="utf-8">`,
    item.title ? `<title>${escapeForHtml(item.title)}</title>` : "",
    item.title ? `<meta property="og:title" content="${attr(item.title)}">` : "",
    item.published ? `<meta property="article:published_time" content="${attr(item.published)}">` : "",
    item.link ? `<link rel="canonical" href="${attr(item.link)}">` : "",
  ].join("");
  const h1 = item.title ? `<h1>${escapeForHtml(item.title)}</h1>` : "";
  const langAttr = lang ? ` lang="${attr(lang)}"` : "";
  return `<!doctype html><html${langAttr}><head>${head}</head><body><article>${h1}\n${body}</article></body></html>`;
}
