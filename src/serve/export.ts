// The newsletter section of the approved articles, through the project's renderNewsletter (which
// escapes every piece of text), optionally closed by the "AI-assisted, reviewed by …" line.
import { cleanText, escapeHtml, escapeMarkdown } from "../render/escape.ts";
import { renderNewsletter, type NewsletterItem } from "../render/newsletter/index.ts";
import type { ReviewedResult } from "./review.ts";

export interface ExportOptions {
  lang: string;
  format: "md" | "html";
  points?: number;
  title?: string;
  /** Close the section with "AI-assisted, reviewed by …" (the reviewers of the items). */
  disclosure?: boolean;
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
    items.push({
      id: result.id,
      headline: version.snippet.headline,
      teaser: version.snippet.teaser,
      keyPoints: version.keyPoints ?? [],
      credit: result.source.credit,
      published: result.source.published,
      url: result.source.url,
    });
    if (!reviewers.includes(result.review.editor)) reviewers.push(result.review.editor);
  }
  let text = renderNewsletter(items, {
    format: options.format,
    lang: options.lang,
    points: options.points,
    title: options.title,
  });
  if (options.disclosure && items.length > 0) {
    const line = `AI-assisted, reviewed by ${reviewers.map(cleanText).join(", ")}`;
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
