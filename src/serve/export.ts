// The newsletter section of the approved articles, through the project's renderNewsletter (which
// escapes every piece of text), optionally closed by the "AI-assisted, reviewed by …" line. Each
// item carries its language's reviewed channel texts, as `newsdesk newsletter` gives them: the
// layout's {{push}}, {{social}}, {{seo_title}}, {{seo_description}}, and `channels` in the JSON.
import { cleanText, escapeHtml, escapeMarkdown } from "../render/escape.ts";
import { renderNewsletter, sectionOrder, type NewsletterItem } from "../render/newsletter/index.ts";
import { CHANNEL_LIMITS, type ChannelField } from "../checks/channels.ts";
import type { ChannelTexts } from "../core/types.ts";
import type { ReviewedResult } from "./review.ts";

export interface ExportOptions {
  lang: string;
  /** md, html: the section in a layout; json: its items, as `newsdesk newsletter --json` prints them. */
  format: "md" | "html" | "json";
  points?: number;
  title?: string;
  /** Close the section with "AI-assisted, reviewed by …" (the reviewers of the items). */
  disclosure?: boolean;
  /** md, html: a layout file of one's own (as `newsletter --template`); default the shipped one. */
  template?: string;
}

export interface ExportResult {
  text: string;
  /** Approved articles in the section. */
  count: number;
  /** Approved articles left out because they have no snippet in that language. */
  skipped: string[];
}

export function exportNewsletter(results: ReviewedResult[], options: ExportOptions): ExportResult {
  const items: NewsletterItem[] = [];
  const skipped: string[] = [];
  const reviewers: string[] = [];
  for (const result of results) {
    if (result.review?.status !== "approved") continue;
    const version = result.languages[options.lang];
    if (!version?.snippet) {
      skipped.push(result.id);
      continue;
    }
    const channels = channelTexts(version.channels);
    items.push({
      id: result.id,
      headline: version.snippet.headline,
      teaser: version.snippet.teaser,
      keyPoints: version.keyPoints ?? [],
      credit: result.source.credit,
      published: result.source.published,
      url: result.source.url,
      ...(channels ? { channels } : {}),
    });
    if (!reviewers.includes(result.review.editor)) reviewers.push(result.review.editor);
  }
  const line = options.disclosure && items.length > 0 ? `AI-assisted, reviewed by ${reviewers.map(cleanText).join(", ")}` : null;
  if (options.format === "json") {
    // The shape of `newsletter --json` (the items in the section's order), plus the disclosure line when asked for.
    const section = { lang: options.lang, title: options.title ?? null, items: sectionOrder(items), ...(line ? { disclosure: line } : {}) };
    return { text: JSON.stringify(section, null, 2) + "\n", count: items.length, skipped };
  }
  let text = renderNewsletter(items, {
    format: options.format,
    lang: options.lang,
    points: options.points,
    title: options.title,
    template: options.template,
  });
  if (line) {
    text =
      options.format === "html"
        ? text.replace(
            /<\/section>\s*$/,
            `  <p style="margin: 16px 0 0; font-size: 12px; color: #666666;">${escapeHtml(line)}</p>\n</section>\n`,
          )
        : `${text}\n*${escapeMarkdown(line, { lineStart: false })}*\n`;
  }
  return { text, count: items.length, skipped };
}

/** The channel texts a language has (only the known fields, each a string), or undefined when none. */
function channelTexts(channels: unknown): ChannelTexts | undefined {
  if (!channels || typeof channels !== "object" || Array.isArray(channels)) return undefined;
  const texts: ChannelTexts = {};
  for (const field of Object.keys(CHANNEL_LIMITS) as ChannelField[]) {
    const text: unknown = Object.hasOwn(channels, field) ? (channels as Record<string, unknown>)[field] : undefined;
    if (typeof text === "string") texts[field] = text;
  }
  return Object.keys(texts).length > 0 ? texts : undefined;
}
