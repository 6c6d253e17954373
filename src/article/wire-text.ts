// Plain-text wire copy: headline line, date line(s), debris, paragraphs, credit line.
import type { Article } from "../types.ts";
import { buildArticle, type BuildOptions } from "./build.ts";
import { cleanParagraphs, tidy } from "./clean.ts";
import { creditLine, isPhotoCredit } from "./credit.ts";
import { dateLine } from "./dates.ts";
import { isDebris } from "./debris.ts";

/**
 * Blocks of text: blank-line separated blocks (lines inside a block joined with a space) when the
 * text has blank lines between its paragraphs; otherwise every line is a paragraph (like the seed).
 * Header lines (date, credit, debris) are always split off as their own entries.
 */
export function textBlocks(lines: string[], isHeaderLine: (line: string) => boolean): string[] {
  const hasBlankLines = lines.some((l, i) => i > 0 && !l.trim() && lines.slice(0, i).some((x) => x.trim()));
  if (!hasBlankLines) return lines.map((l) => l.trim()).filter(Boolean);
  const blocks: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) blocks.push(current.join(" "));
    current = [];
  };
  for (const line of lines) {
    const l = line.trim();
    if (!l) flush();
    else if (isHeaderLine(l)) {
      flush();
      blocks.push(l);
    } else current.push(l);
  }
  flush();
  return blocks;
}

export interface WireOptions extends BuildOptions {
  debris: Set<string>;
}

export function parseWireText(text: string, source: { path: string; line?: number }, options: WireOptions): Article {
  const lines = text.split("\n");
  const isHeader = (l: string) => isDebris(l, options.debris) || isPhotoCredit(l) || dateLine(l) !== null || creditLine(l) !== null;

  // The headline is the first line that is not debris, a date or a credit.
  let titleIndex = lines.findIndex((l) => l.trim() && !isHeader(l.trim()));
  if (titleIndex < 0) titleIndex = lines.length;
  const title = tidy(lines[titleIndex] ?? "");
  const before = lines.slice(0, titleIndex);
  const after = lines.slice(titleIndex + 1);

  const cleaned = cleanParagraphs([...before.map((l) => l.trim()), ...textBlocks(after, isHeader)], options.debris);
  return buildArticle(
    { title, paragraphs: cleaned.paragraphs, published: cleaned.published, credit: cleaned.credit, url: null, lang: null },
    source,
    options,
  );
}
