// Markdown of a result: the per-article .md files and what `run`, `summarize`, `translate` and
// `headlines` print. Every piece of article or model text goes through the one escaper
// (escape.ts, the newsletter's too): no raw HTML tag, no link or image, no script URL and no
// line-start structure (heading, list, quote, rule) can come from the text.
import type { ArticleResult, LanguageResult } from "../core/types.ts";
import { formatPublished, parsePublished } from "../core/dates.ts";
import { escapeMarkdown } from "./escape.ts";

/** Text that stands on a line of its own (a paragraph, a list item's text): inline and line-start markup escaped. */
function block(text: string): string {
  return escapeMarkdown(text);
}

/** Text that follows markup on its line ("# ", "**", "*"): inline markup escaped. */
function inline(text: string): string {
  return escapeMarkdown(text, { lineStart: false });
}

/** The meta line: date and credit, in italics; "" when there is neither. */
function metaLine(result: ArticleResult, lang: string): string {
  const date = parsePublished(result.source.published);
  const meta = inline([date ? formatPublished(date, lang) : null, result.source.credit].filter(Boolean).join(" · "));
  return meta ? `*${meta}*` : "";
}

/** One language of a result as Markdown: title, meta line, text, summary, key points, snippet, headline options. */
export function articleMarkdown(result: ArticleResult, lang: string): string {
  const version = result.languages[lang];
  if (!version) return "";
  const parts: string[] = [];
  // A result with neither translation nor digest (headlines alone) is named by its source title.
  const title = inline(version.title ?? version.snippet?.headline ?? result.source.title ?? "");
  if (title) parts.push(`# ${title}`);
  const meta = metaLine(result, lang);
  if (meta) parts.push(meta);
  if (version.paragraphs) parts.push(...version.paragraphs.map(block).filter(Boolean));
  parts.push(...digestMarkdown(version, lang), ...headlinesMarkdown(version, lang), ...channelsMarkdown(version, lang));
  return parts.join("\n\n") + "\n";
}

const HEADINGS: Record<string, { summary: string; points: string; snippet: string; headlines: string; chars: string }> = {
  de: { summary: "Zusammenfassung", points: "Kernpunkte", snippet: "Newsletter", headlines: "Schlagzeilen", chars: "Zeichen" },
  en: { summary: "Summary", points: "Key points", snippet: "Newsletter snippet", headlines: "Headline options", chars: "characters" },
};
const headingsFor = (lang: string) => HEADINGS[lang.split("-")[0]!] ?? HEADINGS.en!;

function digestMarkdown(version: Partial<LanguageResult>, lang: string): string[] {
  const headings = headingsFor(lang);
  const parts: string[] = [];
  if (version.summary) parts.push(`## ${headings.summary}`, block(version.summary));
  const points = (version.keyPoints ?? []).map(block).filter(Boolean);
  if (points.length) parts.push(`## ${headings.points}`, points.map((p) => `- ${p}`).join("\n"));
  if (version.snippet) {
    const headline = inline(version.snippet.headline ?? "");
    const teaser = block(version.snippet.teaser ?? "");
    parts.push(`## ${headings.snippet}`, ...(headline ? [`**${headline}**`] : []), ...(teaser ? [teaser] : []));
  }
  return parts;
}

/**
 * The headline options, numbered as `newsletter --headline N` picks them, each with its length:
 * "1. Putin trifft Xi in Peking (27 Zeichen)". Read defensively: a result file may be hand-edited.
 */
function headlinesMarkdown(version: Partial<LanguageResult>, lang: string): string[] {
  const headings = headingsFor(lang);
  const options = (Array.isArray(version.headlines) ? version.headlines : []).filter((h) => typeof h?.text === "string" && h.text.trim() !== "");
  if (!options.length) return [];
  const lines = options.map((h, i) => {
    const chars = typeof h.chars === "number" ? h.chars : [...h.text.trim()].length;
    return `${i + 1}. ${block(h.text)} (${chars} ${headings.chars})`;
  });
  return [`## ${headings.headlines}`, lines.join("\n")];
}

// --- Channels (--channels): one list after the digest, only the asked fields. ---------------------

const CHANNEL_HEADINGS: Record<string, { heading: string; push: string; social: string; seoTitle: string; seoDescription: string }> = {
  de: { heading: "Kanäle", push: "Push-Meldung", social: "Social Media", seoTitle: "SEO-Titel", seoDescription: "SEO-Beschreibung" },
  en: { heading: "Channels", push: "Push alert", social: "Social post", seoTitle: "SEO title", seoDescription: "SEO description" },
};

function channelsMarkdown(version: Partial<LanguageResult>, lang: string): string[] {
  const texts = version.channels;
  if (!texts) return [];
  const names = CHANNEL_HEADINGS[lang.split("-")[0]!] ?? CHANNEL_HEADINGS.en!;
  const fields = (["push", "social", "seoTitle", "seoDescription"] as const).filter((f) => texts[f]);
  if (fields.length === 0) return [];
  return [`## ${names.heading}`, fields.map((f) => `- **${names[f]}:** ${inline(texts[f]!)}`).join("\n")];
}

/** The article text alone (what `translate` prints): title, date and credit line, paragraphs. */
export function translationMarkdown(result: ArticleResult, lang: string): string {
  const version = result.languages[lang] ?? {};
  const meta = metaLine(result, lang);
  return [`# ${inline(version.title ?? "")}`, ...(meta ? [meta] : []), ...(version.paragraphs ?? []).map(block).filter(Boolean)].join("\n\n") + "\n";
}
