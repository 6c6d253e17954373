// Escaping for untrusted text (article and model output) on its way into HTML or Markdown,
// and the one rule for which links may be rendered at all. Shared by every writer.

/** C0/C1 control characters and DEL, apart from the whitespace ones handled by collapsing. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f]/g;

/**
 * One line of plain text: control characters dropped, every run of whitespace (newlines, tabs,
 * Unicode line/paragraph separators) made a single space, trimmed. A field of model text can then
 * never start a new line (a heading, a list item) in the output.
 */
export function cleanText(text: string): string {
  return text.replace(CONTROL, "").replace(/\s+/gu, " ").trim();
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes & < > " ' so the text is safe both as element content and as a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/**
 * What can turn a line of text into Markdown markup or raw HTML: characters that start or end
 * inline markup anywhere in a line; an "&" that would be read as an entity ("&amp;", "&#60;";
 * "AT&T" is left alone); and the scheme of a script or data URL ("javascript:", "vbscript:",
 * "data:text/html,..."), which GFM renderers and HTML sanitisers downstream must never see.
 */
const MARKDOWN_UNSAFE = /[\\`*_[\]<>|~#]|&(?=#?[A-Za-z0-9]+;)|((?:java|vb|live)script|(?<![\p{L}\p{N}+.-])(?:data|file)(?=:\S)):/giu;

/**
 * Escapes one line of text for Markdown (CommonMark + GFM) so it renders as the same text and
 * cannot open emphasis, links, images, code, HTML, tables, strikethrough or heading closers.
 * Newlines are collapsed first (see cleanText). "<" becomes the entity "&lt;" (not "\<"), so no
 * tag such as "<script" or "<img" stands in the file even for a reader that ignores backslash
 * escapes; the colon of a script or data URL scheme becomes "&#58;" (it renders as ":", as text).
 * Unless `lineStart` is false, markup that only counts at the start of a line ("- x", "+ x",
 * "1. x", "1) x", "=") is escaped there too; pass false for a piece that will be joined after
 * other text (then escape the joined line start with escapeMarkdownLineStart).
 */
export function escapeMarkdown(text: string, options: { lineStart?: boolean } = {}): string {
  const out = cleanText(text).replace(MARKDOWN_UNSAFE, (ch: string, scheme?: string) => (scheme ? `${scheme}&#58;` : ch === "<" ? "&lt;" : `\\${ch}`));
  return options.lineStart === false ? out : escapeMarkdownLineStart(out);
}

/** Escapes block markup at the start of an already inline-escaped line. */
export function escapeMarkdownLineStart(line: string): string {
  return line.replace(/^([-+=])/, "\\$1").replace(/^(\d+)([.)])/, "$1\\$2");
}

/**
 * The link target to render for an untrusted URL, or null when it must be dropped.
 * Only absolute http: and https: URLs with a host pass. Anything with control characters,
 * non-space whitespace or leading/trailing spaces is refused outright (" javascript:",
 * "java\tscript:" and similar tricks that browsers strip before looking at the scheme), as are
 * relative links and links with credentials ("https://bank.example@evil.example"). The result is the normalised href.
 */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (typeof raw !== "string" || raw === "") return null;
  // Plain spaces inside are fine (they become %20); any other whitespace, any control character
  // and leading or trailing spaces are refused.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(raw) || /[^\S ]/u.test(raw) || raw.trim() !== raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.hostname === "" || url.username !== "" || url.password !== "") return null;
  return url.href;
}

/**
 * Makes an href (from safeHttpUrl) safe inside a Markdown link destination `(...)`:
 * percent-encodes the characters that could end or escape it.
 */
export function markdownUrl(href: string): string {
  return href.replace(/[ ()<>\\`]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
