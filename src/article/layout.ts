// Paragraph structure of plain text, whatever the line ends, final newline, indentation or wrapping.
// Layouts recognised from the text itself:
//   blank-line   paragraphs separated by blank lines (lines inside one joined: hard wraps)
//   one-per-line every line a paragraph (long lines, each ending a sentence)
//   indented     a paragraph starts with an indented line; continuation lines are not indented
//   hard-wrapped lines cut at ~60-80 characters (Reuters/AP); a paragraph ends at a short line that ends a sentence
// Header lines (dates, credits, debris) are always their own entries; table rows are never joined.

/** A line that ends a sentence: ".", "!", "?", "…", optionally followed by closing quotes or brackets. */
export function endsSentence(line: string): boolean {
  return /[.!?…:]["'»«”“’)\]]*$/.test(line.trimEnd());
}

function indentOf(line: string): number {
  const m = /^[ \t\u00a0\u3000]*/.exec(line)![0];
  let n = 0;
  for (const c of m) n += c === "\t" ? 4 : 1;
  return n;
}

/** A row of an aligned table: two cells separated by a tab or a run of spaces. */
function isTableRow(line: string): boolean {
  return /\S(?:[ ]*\t[ \t]*| {3,})\S/.test(line.trim());
}

/** Joins wrapped lines: "well-" + "known" -> "well-known"; otherwise with a space. */
function joinLines(lines: string[]): string {
  let out = "";
  for (const raw of lines) {
    const l = raw.trim();
    if (!out) out = l;
    else if (/\p{Ll}-$/u.test(out) && /^\p{Ll}/u.test(l)) out += l;
    else out += ` ${l}`;
  }
  return out;
}

/** The width lines were wrapped at: the 90th percentile of the line lengths. */
function wrapWidth(lines: string[]): number {
  const lens = lines.map((l) => l.trim().length).sort((a, b) => a - b);
  return lens[Math.min(lens.length - 1, Math.floor(lens.length * 0.9))]!;
}

export type Layout = "blank-line" | "one-per-line" | "indented" | "hard-wrapped";

/** How a run of non-blank lines (no header lines among them) is laid out. */
export function segmentLayout(lines: string[], blankLineDocument: boolean): Layout {
  if (lines.length < 2) return "one-per-line";
  const indents = lines.map(indentOf);
  const min = Math.min(...indents);
  const starts = indents.filter((n) => n > min).length;
  if (starts >= 1 && starts < lines.length && indents.slice(1).some((n) => n === min)) {
    // Only when the deeper lines are paragraph starts: each is followed by at least one shallower line,
    // or they are spread over the text (not one indented quote line).
    return "indented";
  }
  if (blankLineDocument) return "blank-line";
  const width = wrapWidth(lines);
  const open = lines.slice(0, -1).filter((l) => !endsSentence(l)).length / (lines.length - 1);
  if (width <= 110 && open >= 0.3) return "hard-wrapped";
  return "one-per-line";
}

function segmentParagraphs(lines: string[], blankLineDocument: boolean): string[] {
  const layout = segmentLayout(lines, blankLineDocument);
  if (layout === "one-per-line") return lines.map((l) => l.trim());
  if (layout === "blank-line") return [joinLines(lines)];
  const out: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) out.push(joinLines(current));
    current = [];
  };
  if (layout === "indented") {
    const min = Math.min(...lines.map(indentOf));
    for (const line of lines) {
      if (indentOf(line) > min) flush();
      current.push(line);
    }
    flush();
    return out;
  }
  // hard-wrapped: a short line that ends a sentence ends the paragraph.
  const width = wrapWidth(lines);
  for (const line of lines) {
    current.push(line);
    if (endsSentence(line) && line.trim().length < 0.8 * width) flush();
  }
  flush();
  return out;
}

/**
 * Paragraphs of plain text lines (already split on "\n"). Blank lines (also whitespace-only ones)
 * separate groups; leading and trailing blank lines mean nothing. `isHeaderLine` lines stay
 * entries of their own; table rows stay one entry each.
 */
export function textBlocks(lines: string[], isHeaderLine: (line: string) => boolean): string[] {
  const groups: string[][] = [];
  let group: string[] = [];
  for (const line of lines) {
    if (line.trim()) group.push(line.replace(/\s+$/, ""));
    else if (group.length) {
      groups.push(group);
      group = [];
    }
  }
  if (group.length) groups.push(group);
  // Header lines and table rows are entries of their own (told once per line).
  const own = groups.map((g) => g.map((line) => isHeaderLine(line.trim()) || isTableRow(line)));
  // A document of several blank-line separated groups of text: each group is one paragraph.
  const textGroups = own.filter((flags) => flags.some((f) => !f));
  const blankLineDocument = textGroups.length >= 3;

  const out: string[] = [];
  groups.forEach((g, k) => {
    let segment: string[] = [];
    const flush = () => {
      if (segment.length) out.push(...segmentParagraphs(segment, blankLineDocument));
      segment = [];
    };
    g.forEach((line, i) => {
      if (own[k]![i]) {
        flush();
        out.push(line.trim());
      } else segment.push(line);
    });
    flush();
  });
  return out.filter(Boolean);
}
