// The cleaning every format shares: drop debris and photo credits, take date and credit lines
// out of the text into fields, split a credit off the last paragraph.
import { creditLine, isPhotoCredit, trailingCredit } from "./credit.ts";
import { dateLine } from "./dates.ts";
import { isDebris } from "./debris.ts";

export interface Cleaned {
  paragraphs: string[];
  published: string | null;
  credit: string | null;
}

/** Runs of spaces and tabs, except a single plain space (already what a run becomes). */
const SPACE_RUN = / [ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+|[\t\u00a0\u2000-\u200b\u202f\u205f\u3000][ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]*/g;

/** Collapses runs of spaces and tabs, trims. */
export function tidy(text: string): string {
  return text.replace(SPACE_RUN, " ").trim();
}

/**
 * Takes debris, date lines and credit lines out of `paragraphs` (each entry one line or block).
 * `dates` says whether a paragraph that is only a date counts as the publication date line.
 */
export function cleanParagraphs(paragraphs: string[], debris: Set<string>, dates = true): Cleaned {
  let published: string | null = null;
  let updated: string | null = null;
  let credit: string | null = null;
  const kept: string[] = [];
  for (const raw of paragraphs) {
    const p = tidy(raw);
    if (!p || isDebris(p, debris) || isPhotoCredit(p)) continue;
    if (dates) {
      const date = dateLine(p);
      if (date) {
        if (date.isPublication) published ??= date.value;
        else updated ??= date.value;
        continue;
      }
    }
    const c = creditLine(p);
    if (c) {
      credit ??= c;
      continue;
    }
    if (/^\((?:[a-zäöü]{2,4})(?:\/[a-zäöü]{2,4})*\)$/.test(p)) continue; // lone editor initials: "(lvb)"
    kept.push(p);
  }
  if (kept.length > 0) {
    const [rest, c] = trailingCredit(kept[kept.length - 1]!);
    if (c) {
      credit ??= c;
      const text = tidy(rest);
      if (text) kept[kept.length - 1] = text;
      else kept.pop();
    }
  }
  return { paragraphs: kept, published: published ?? updated, credit };
}
