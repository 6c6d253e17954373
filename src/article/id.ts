// Content ids: safe as file names ([a-z0-9-]), stable for the same content.
import { createHash } from "node:crypto";

const MAX_SLUG = 48;
const TRANSLIT: Record<string, string> = { ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", ß: "ss", ẞ: "SS", æ: "ae", Æ: "AE", ø: "o", Ø: "O", œ: "oe", Œ: "OE", ł: "l", Ł: "L", đ: "d", Đ: "D", þ: "th", ð: "d" };

/** Lowercase ASCII slug: umlauts transliterated, accents stripped, other runs -> "-", at most 48 chars. */
export function slugify(text: string, max = MAX_SLUG): string {
  return text
    .replace(/[äöüÄÖÜßẞæÆøØœŒłŁđĐþð]/g, (c) => TRANSLIT[c]!)
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, max)
    .replace(/-+$/, "");
}

/** sha256 (hex) over title and paragraphs: what makes two articles the same. */
export function contentHash(title: string, paragraphs: string[]): string {
  return createHash("sha256").update(`${title}\n\n${paragraphs.join("\n\n")}`).digest("hex");
}

/** slug(title) + "-" + first 10 hex chars of sha256(title + "\n\n" + paragraphs joined by blank lines). */
export function articleId(title: string, paragraphs: string[]): string {
  const hash = contentHash(title, paragraphs).slice(0, 10);
  const slug = slugify(title) || "article";
  return `${slug}-${hash}`;
}

/** A caller-given id made safe the same way; null when nothing usable is left. */
export function sanitiseId(raw: unknown): string | null {
  if (typeof raw !== "string" && typeof raw !== "number") return null;
  const slug = slugify(String(raw));
  return slug || null;
}
