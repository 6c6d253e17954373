// Plain-text wire copy: headline line, date line(s), debris, paragraphs, credit line.
import type { Article } from "../core/types.ts";
import { buildArticle, type BuildOptions } from "./build.ts";
import { cleanParagraphs, tidy } from "./clean.ts";
import { creditLine, isPhotoCredit } from "./credit.ts";
import { dateLine } from "./dates.ts";
import { isDebris } from "./debris.ts";
import { textBlocks } from "./layout.ts";

export { textBlocks } from "./layout.ts";

export interface WireOptions extends BuildOptions {
  debris: Set<string>;
}

export function parseWireText(text: string, source: { path: string; line?: number }, options: WireOptions): Article {
  const lines = text.split(/\r\n?|\n/);
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
    { ...options, wire: true },
  );
}
