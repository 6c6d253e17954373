// HTML pages: main text via Readability over a linkedom DOM; title, date, URL and language from metadata.
import { createRequire } from "node:module";
import type { Readability as ReadabilityClass } from "@mozilla/readability";
import type { parseHTML as ParseHTML } from "linkedom";
import type { Article } from "../core/types.ts";
import { buildArticle, refusal } from "./build.ts";
import { cleanParagraphs, tidy } from "./clean.ts";
import { normaliseDate, parseDate } from "./dates.ts";
import type { WireOptions } from "./wire-text.ts";
import { InputError } from "./errors.ts";

// The DOM and Readability (~25 MB) are loaded with the first HTML page, not at start-up.
const require = createRequire(import.meta.url);
let dom: { parseHTML: typeof ParseHTML; Readability: typeof ReadabilityClass } | undefined;
function htmlTools() {
  dom ??= {
    parseHTML: (require("linkedom") as { parseHTML: typeof ParseHTML }).parseHTML,
    Readability: (require("@mozilla/readability") as { Readability: typeof ReadabilityClass }).Readability,
  };
  return dom;
}
const parseHTML: typeof ParseHTML = (html) => htmlTools().parseHTML(html);

type Doc = ReturnType<typeof ParseHTML>["document"];

/** Real pages nest a few dozen levels, rarely a few hundred; the DOM and Readability take minutes on 100,000. */
export const MAX_HTML_DEPTH = 1_000;

// Elements that never have content, or whose end tag may be left out: they do not add nesting.
const NO_NESTING = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
  "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rt", "rp", "colgroup",
  "html", "head", "body",
]);

/** How deep the page's tags nest, by a scan of its tags (no DOM); stops counting past `limit`. */
export function nestingDepth(html: string, limit = MAX_HTML_DEPTH): number {
  const tag = /<!--[\s\S]*?(?:-->|$)|<(script|style|textarea)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g;
  let depth = 0;
  let max = 0;
  for (let m: RegExpExecArray | null; (m = tag.exec(html)); ) {
    const name = m[3]?.toLowerCase();
    if (!name || NO_NESTING.has(name)) continue;
    if (m[2]) depth = Math.max(0, depth - 1);
    else if (!m[4]) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    }
  }
  return max;
}

function meta(doc: Doc, ...keys: string[]): string | null {
  for (const key of keys) {
    for (const attr of ["property", "name", "itemprop"]) {
      const el = doc.querySelector(`meta[${attr}="${key}"]`);
      const content = el?.getAttribute("content")?.trim();
      if (content) return content;
    }
  }
  return null;
}

function canonicalUrl(doc: Doc): string | null {
  for (const link of doc.querySelectorAll("link[rel]")) {
    const rels = (link.getAttribute("rel") ?? "").toLowerCase().split(/\s+/);
    const href = link.getAttribute("href")?.trim();
    if (rels.includes("canonical") && href) return href;
  }
  return meta(doc, "og:url");
}

/** The objects of the page's JSON-LD blocks (arrays and @graph flattened). */
function jsonLd(doc: Doc): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const add = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === "object") {
      out.push(value as Record<string, unknown>);
      const graph = (value as Record<string, unknown>)["@graph"];
      if (graph) add(graph);
    }
  };
  for (const script of doc.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      add(JSON.parse(script.textContent ?? ""));
    } catch {
      // a broken block says nothing
    }
  }
  return out;
}

const ARTICLE_TYPES = /Article|Posting|Report|BlogPosting|LiveBlogPosting/;

function ldArticle(doc: Doc): Record<string, unknown> | null {
  const objects = jsonLd(doc);
  const typeOf = (o: Record<string, unknown>) => [o["@type"]].flat().map(String).join(" ");
  return objects.find((o) => ARTICLE_TYPES.test(typeOf(o))) ?? objects.find((o) => typeof o.datePublished === "string") ?? null;
}

function publishedDate(doc: Doc, ld: Record<string, unknown> | null): string | null {
  if (typeof ld?.datePublished === "string" && ld.datePublished.trim()) return ld.datePublished.trim();
  const fromMeta = meta(doc, "article:published_time", "datePublished", "date", "pubdate", "publishdate", "DC.date", "dc.date", "dcterms.created", "og:article:published_time");
  if (fromMeta) return fromMeta;
  for (const time of doc.querySelectorAll("time")) {
    const value = time.getAttribute("datetime")?.trim() || time.getAttribute("pubdate")?.trim();
    if (value) return value;
  }
  return null;
}

const SEPARATOR = /\s+[|–—·•:»-]\s+|\s+[|–—·•»]\s*|\s*[|–—·•»]\s+/g;
const NAME_LIKE = /(?:\.[a-z]{2,4}$|\b(?:news|online|zeitung|tagblatt|aktuell|regional|today|times|post|tv|radio|nachrichten)\b|^[A-Z0-9 .]{2,}$)/i;

/** A title without the site's name ("… - BBC News", "… | MDR.DE", "SITE: …"), using the page's own site name when it gives one. */
export function stripSiteName(title: string, siteNames: string[]): string {
  let t = tidy(title);
  const names = siteNames.map((n) => tidy(n).toLowerCase().replace(/\s+/g, "")).filter(Boolean);
  const isSite = (part: string) => {
    const p = part.toLowerCase().replace(/\s+/g, "");
    return names.some((n) => p === n || (n.length >= 4 && p.includes(n)));
  };
  for (;;) {
    const seps = [...t.matchAll(SEPARATOR)];
    if (seps.length === 0) return t;
    const lastSep = seps[seps.length - 1]!;
    const firstSep = seps[0]!;
    const head = t.slice(0, lastSep.index);
    const tail = t.slice(lastSep.index! + lastSep[0].length);
    const lead = t.slice(0, firstSep.index);
    const rest = t.slice(firstSep.index! + firstSep[0].length);
    if (isSite(tail) && tidy(head)) t = tidy(head);
    else if (isSite(lead) && tidy(rest)) t = tidy(rest);
    else if (names.length === 0 && tail.split(" ").length <= 3 && head.split(" ").length >= 3 && !/[.!?]$/.test(tail) && NAME_LIKE.test(tail)) t = tidy(head);
    else return t;
  }
}

function siteNames(doc: Doc, ld: Record<string, unknown> | null): string[] {
  const names = [meta(doc, "og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site")];
  const publisher = ld?.publisher as Record<string, unknown> | undefined;
  if (publisher && typeof publisher.name === "string") names.push(publisher.name);
  return names.filter((n): n is string => !!n).map((n) => n.replace(/^@/, ""));
}

/**
 * The headline: JSON-LD headline, og:title, the article's h1, or <title>, each without the site's
 * name. A candidate that is only a section name (one or two words, or the site's name) gives way to
 * a longer one the page also shows.
 */
function headline(doc: Doc, ld: Record<string, unknown> | null, readabilityTitle: string | null, h1: string): string {
  const sites = siteNames(doc, ld);
  const raw = [
    typeof ld?.headline === "string" ? ld.headline : null,
    meta(doc, "og:title", "twitter:title"),
    h1,
    doc.querySelector("title")?.textContent ?? null,
    readabilityTitle,
  ];
  const candidates = raw.filter((c): c is string => !!c && !!tidy(c)).map((c) => stripSiteName(c, sites)).filter(Boolean);
  const sitesLower = sites.map((s) => s.toLowerCase());
  const real = candidates.find((c) => c.split(" ").length >= 3 && !sitesLower.includes(c.toLowerCase()));
  return real ?? candidates[0] ?? "";
}

const BLOCKS = "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, dd, dt";

/**
 * The text blocks of an HTML fragment in document order: paragraphs, subheads, list items, block
 * quotes; an element that holds other blocks gives way to them. Line breaks inside become spaces.
 */
function paragraphsOf(html: string): string[] {
  const { document } = parseHTML(`<!doctype html><html><head></head><body>${html.replace(/<br\s*\/?>/gi, " ")}</body></html>`);
  const blocks = [...document.querySelectorAll(BLOCKS)];
  const inner = new Set(blocks);
  const out: string[] = [];
  for (const el of blocks) {
    if ([...el.querySelectorAll(BLOCKS)].some((d) => inner.has(d))) continue; // a container: its blocks speak
    const text = tidy((el.textContent ?? "").replace(/\s+/g, " "));
    if (text) out.push(text);
  }
  if (out.length > 0) return out;
  return (document.body?.textContent ?? "").split(/\n+/).map(tidy).filter(Boolean);
}

/** Without Readability: the page's <p>s outside navigation, header, footer and asides. */
function fallbackParagraphs(input: string): string[] {
  const { document } = parseHTML(input);
  for (const el of [...document.querySelectorAll("nav, header, footer, aside, script, style, noscript, form, dialog, [role=dialog], [aria-modal=true]")]) el.remove();
  return paragraphsOf(document.body?.innerHTML ?? "");
}

/** Overlays that are not the article: dialogs (age checks, consent), modals, newsletter boxes. */
const OVERLAYS = "dialog, [role=dialog], [role=alertdialog], [aria-modal=true], [class*=modal], [id*=modal], [class*=consent], [id*=consent], [class*=agegate], [class*=age-gate], [id*=age-gate], [class*=newsletter], [id*=newsletter], [class*=paywall]";

export function parseHtml(input: string, source: { path: string; line?: number }, options: WireOptions): Article {
  const depth = nestingDepth(input);
  if (depth > MAX_HTML_DEPTH) {
    throw new InputError(source.path, `HTML nested over ${MAX_HTML_DEPTH} levels deep, not parsed (real pages stay under a few hundred)`, source.line);
  }
  const { document } = parseHTML(input);
  const doc = document as Doc;

  // Metadata first: Readability rewrites the document it reads.
  const ogTitle = meta(doc, "og:title", "twitter:title");
  const h1 = tidy((doc.querySelector("article h1, main h1, h1")?.textContent ?? "").replace(/\s+/g, " "));
  const ld = ldArticle(doc);
  const htmlLang = doc.documentElement?.getAttribute("lang") ?? meta(doc, "og:locale", "language", "content-language");
  const url = canonicalUrl(doc);
  let published = publishedDate(doc, ld);
  const bodyText = tidy((doc.body?.textContent ?? "").replace(/\s+/g, " "));

  // An overlay is not the article; when it is all the page has, the refusal below names it.
  for (const el of [...doc.querySelectorAll(OVERLAYS)]) if (!el.closest("article, main") || el.matches("dialog, [role=dialog], [aria-modal=true]")) el.remove();

  let paragraphs: string[] = [];
  let readabilityTitle: string | null = null;
  try {
    const result = new (htmlTools().Readability)(doc as unknown as Document, { charThreshold: 200, maxElemsToParse: 200_000 }).parse();
    if (result?.content) paragraphs = paragraphsOf(result.content);
    readabilityTitle = result?.title ? tidy(result.title) : null;
    published ??= result?.publishedTime ?? null;
  } catch {
    // fall back to the page's own paragraphs below
  }
  if (paragraphs.length === 0) paragraphs = fallbackParagraphs(input);

  const title = headline(doc, ld, readabilityTitle, h1);
  // The headline, the section name (og:title) and the date line are not paragraphs of the story.
  const furniture = new Set([title, h1, ogTitle, ...siteNames(doc, ld)].filter(Boolean).map((t) => tidy(t!).toLowerCase()));
  paragraphs = paragraphs.filter((p, i) => !furniture.has(tidy(p).toLowerCase()) && !(i < 5 && parseDate(p) !== null));
  const cleaned = cleanParagraphs(paragraphs, options.debris, false);
  if (cleaned.paragraphs.length === 0 && bodyText) {
    // Nothing but an overlay or furniture: say what the page is, when it says so.
    const why = refusal(bodyText, null, title);
    if (why && why !== "not natural language text") throw new InputError(source.path, why, source.line);
  }
  return buildArticle(
    { title, paragraphs: cleaned.paragraphs, published: normaliseDate(published), credit: cleaned.credit, url, lang: htmlLang },
    source,
    options,
  );
}
