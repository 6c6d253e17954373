import type { Article } from "../core/types.ts";

/**
 * The article as the model sees it inside the <article> block: header lines, then numbered
 * paragraphs. A closing tag inside the text is defused so the article cannot end its own block.
 */
export function articleBlock(article: Pick<Article, "title" | "published" | "credit" | "paragraphs">): string {
  const lines = [`Title: ${article.title}`];
  if (article.published) lines.push(`Published: ${article.published}`);
  if (article.credit) lines.push(`Credit: ${article.credit}`);
  lines.push("");
  article.paragraphs.forEach((p, i) => lines.push(`[${i + 1}] ${p}`, ""));
  return defuse(lines.join("\n").trimEnd());
}

function defuse(text: string): string {
  return text.replace(/<(\s*\/\s*article)/gi, "&lt;$1");
}
