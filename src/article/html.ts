// HTML pages: main text via Readability over a linkedom DOM; title, date, URL and language from metadata.
import { createRequire } from "node:module";
import type { Readability as ReadabilityClass } from "@mozilla/readability";
import type { parseHTML as ParseHTML } from "linkedom";
import type { Article } from "../types.ts";
import { buildArticle } from "./build.ts";
import { cleanParagraphs, tidy } from "./clean.ts";
import { normaliseDate } from "./dates.ts";
import type { WireOptions } from "./wire-text.ts";

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

function publishedDate(doc: Doc): string | null {
  const fromMeta = meta(doc, "article:published_time", "datePublished", "date", "pubdate", "publishdate", "DC.date", "dc.date", "dcterms.created");
  if (fromMeta) return fromMeta;
  for (const time of doc.querySelectorAll("time")) {
    const value = time.getAttribute("datetime")?.trim() || time.getAttribute("pubdate")?.trim();
    if (value) return value;
  }
  return null;
}

/** `<title>` text without a trailing " | Site name" or " - Site name". */
function pageTitle(doc: Doc): string | null {
  const raw = tidy(doc.querySelector("title")?.textContent ?? "");
  if (!raw) return null;
  const parts = raw.split(/\s+[|–—·-]\s+/);
  return parts.length > 1 && parts[0]!.split(" ").length >= 3 ? parts[0]! : raw;
}

/** The text of every <p> of an HTML fragment; its text lines when it has no <p>. */
function paragraphsOf(html: string): string[] {
  const { document } = parseHTML(`<!doctype html><html><head></head><body>${html}</body></html>`);
  const ps = [...document.querySelectorAll("p")]
    .filter((p) => !p.parentElement?.closest("p"))
    .map((p) => tidy(p.textContent ?? ""))
    .filter(Boolean);
  if (ps.length > 0) return ps;
  return (document.body?.textContent ?? "").split(/\n+/).map(tidy).filter(Boolean);
}

/** Without Readability: the page's <p>s outside navigation, header, footer and asides. */
function fallbackParagraphs(input: string): string[] {
  const { document } = parseHTML(input);
  for (const el of [...document.querySelectorAll("nav, header, footer, aside, script, style, noscript, form")]) el.remove();
  return paragraphsOf(document.body?.innerHTML ?? "");
}

export function parseHtml(input: string, source: { path: string; line?: number }, options: WireOptions): Article {
  const { document } = parseHTML(input);
  const doc = document as Doc;

  // Metadata first: Readability rewrites the document it reads.
  const h1 = tidy(doc.querySelector("article h1, main h1, h1")?.textContent ?? "");
  const ogTitle = meta(doc, "og:title", "twitter:title");
  const htmlLang = doc.documentElement?.getAttribute("lang") ?? meta(doc, "og:locale", "language", "content-language");
  const url = canonicalUrl(doc);
  let published = publishedDate(doc);

  let paragraphs: string[] = [];
  let readabilityTitle: string | null = null;
  try {
    const result = new (htmlTools().Readability)(doc as unknown as Document, { charThreshold: 200 }).parse();
    if (result?.content) paragraphs = paragraphsOf(result.content);
    readabilityTitle = result?.title ? tidy(result.title) : null;
    published ??= result?.publishedTime ?? null;
  } catch {
    // fall back to the page's own paragraphs below
  }
  if (paragraphs.length === 0) paragraphs = fallbackParagraphs(input);

  const title = tidy(ogTitle ?? "") || h1 || pageTitle(doc) || readabilityTitle || "";
  const cleaned = cleanParagraphs(paragraphs, options.debris, false);
  return buildArticle(
    { title, paragraphs: cleaned.paragraphs, published: normaliseDate(published), credit: cleaned.credit, url, lang: htmlLang },
    source,
    options,
  );
}
