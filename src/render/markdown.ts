import type { ArticleResult, LanguageResult } from "../core/types.ts";
import { formatPublished, parsePublished } from "../core/dates.ts";

/** Model text on one line, so it cannot open a heading or a list of its own. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** A paragraph that cannot turn into a heading, quote, list or rule by its first character. */
function paragraph(text: string): string {
  return inline(text).replace(/^([#>*+=|-]|\d+[.)])/, "\\$1");
}

/** One language of a result as Markdown: title, meta line, text, summary, key points, snippet. */
export function articleMarkdown(result: ArticleResult, lang: string): string {
  const version = result.languages[lang];
  if (!version) return "";
  const parts: string[] = [];
  const title = version.title ?? version.snippet?.headline;
  if (title) parts.push(`# ${inline(title)}`);
  const date = parsePublished(result.source.published);
  const published = date ? formatPublished(date, lang) : null;
  const meta = [published, result.source.credit].filter(Boolean).join(" · ");
  if (meta) parts.push(`*${inline(meta)}*`);
  if (version.paragraphs) parts.push(...version.paragraphs.map(paragraph));
  parts.push(...digestMarkdown(version, lang));
  parts.push(...channelsMarkdown(version, lang));
  return parts.join("\n\n") + "\n";
}

const HEADINGS: Record<string, [string, string, string]> = {
  de: ["Zusammenfassung", "Kernpunkte", "Newsletter"],
  en: ["Summary", "Key points", "Newsletter snippet"],
};

function digestMarkdown(version: Partial<LanguageResult>, lang: string): string[] {
  const [summary, points, snippet] = HEADINGS[lang.split("-")[0]!] ?? HEADINGS.en!;
  const parts: string[] = [];
  if (version.summary) parts.push(`## ${summary}`, paragraph(version.summary));
  if (version.keyPoints?.length) parts.push(`## ${points}`, version.keyPoints.map((p) => `- ${inline(p)}`).join("\n"));
  if (version.snippet) {
    parts.push(`## ${snippet}`, `**${inline(version.snippet.headline)}**`, paragraph(version.snippet.teaser));
  }
  return parts;
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
  const date = parsePublished(result.source.published);
  const meta = [date ? formatPublished(date, lang) : null, result.source.credit].filter(Boolean).join(" · ");
  return [`# ${inline(version.title ?? "")}`, ...(meta ? [`*${inline(meta)}*`] : []), ...(version.paragraphs ?? []).map(paragraph)].join("\n\n") + "\n";
}
