import type { Article } from "../core/types.ts";

/**
 * The article as the model sees it inside the <article> block: the title, the day it was published
 * (the time of day and the credit line are no help to a translation or a summary, and every token
 * here is billed in every call), then one line per paragraph, opened by its number ("3 The council
 * said..."): a number up to 999 is one o200k token, so a marker costs one token (a bracketed "[3] "
 * cost three). A closing tag inside the text is defused so the article cannot end its own block.
 */
export function articleBlock(article: Pick<Article, "title" | "published" | "paragraphs">): string {
  const lines = [`Title: ${article.title}`];
  if (article.published) lines.push(`Published: ${/^\d{4}-\d{2}-\d{2}T/.test(article.published) ? article.published.slice(0, 10) : article.published}`);
  article.paragraphs.forEach((p, i) => lines.push(`${i + 1} ${p}`));
  return defuse(lines.join("\n").trimEnd());
}

/**
 * A model that copies a paragraph's number into its answer gets it removed (unless the source
 * paragraph itself starts with that number). `index`: the paragraph's 0-based index in the block.
 */
export function withoutEchoedNumber(paragraph: string, index: number, source: string | undefined): string {
  const echoed = new RegExp(`^\\s*(?:\\[${index + 1}\\]|${index + 1}(?![\\d.,:'’/-]))\\s*`);
  return echoed.test(paragraph) && !echoed.test(source ?? "") ? paragraph.replace(echoed, "") : paragraph;
}

function defuse(text: string): string {
  return text.replace(/<(\s*\/\s*article)/gi, "&lt;$1");
}
