// Credit lines: "©Keystone/SDA", "(sda)", "Reuters", "Quelle: dpa", and "... (sda)" ending a paragraph.

const AGENCIES = new Set([
  "sda", "ats", "keystone", "keystone-sda", "keystone-ats", "awp", "dpa", "dpa-afx", "afp", "ap", "apa",
  "reuters", "reuter", "kna", "epd", "sid", "ansa", "efe", "upi", "bloomberg", "xinhua", "tass", "ria", "anp", "belga",
  "pa", "aap", "cp", "kyodo", "yonhap", "swissinfo", "srf", "rts", "cnn", "bbc",
]);

function isAgencyList(text: string, allowInitials: boolean): boolean {
  const parts = text.split(/\s*[/,]\s*|\s+(?:and|und)\s+/i).filter(Boolean);
  if (parts.length === 0) return false;
  let agencies = 0;
  for (const part of parts) {
    const p = part.toLowerCase();
    if (AGENCIES.has(p)) agencies++;
    else if (!(allowInitials && /^[a-z]{2,4}$/.test(p))) return false; // editor's initials, "(jdm/sda)"
  }
  return agencies > 0;
}

const OVER_80 = /^\s*(?:\S\s*){81}/;

/** The credit a whole line stands for, or null when the line is not a credit line. */
export function creditLine(line: string): string | null {
  // More than 80 characters that are not white space: too long however its spaces collapse (most lines are paragraphs).
  if (OVER_80.test(line)) return null;
  const text = line.trim().replace(/\s+/g, " ");
  if (!text || text.length > 80) return null;
  let m = /^(?:©|\(c\)|copyright\b)\s*(?:©\s*)?(?:(?:19|20)\d{2}\b\s*)?(.*)$/i.exec(text);
  if (m) {
    const credit = m[1]!.replace(/^[:\s-]+/, "").trim();
    return credit || null;
  }
  m = /^\((.+)\)$/.exec(text);
  if (m && isAgencyList(m[1]!, true)) return m[1]!.trim();
  if (isAgencyList(text, text.includes("/"))) return text; // "dpa", "AP", "mab/dpa"
  m = /^(?:quelle|source|sources|mit material von|with material from|agenturen|agencies)\s*:?\s*(.+)$/i.exec(text);
  if (m && isAgencyList(m[1]!, false)) return m[1]!.trim();
  return null;
}

/** Splits a credit off the end of a paragraph: "... in Bern. (sda)" -> ["... in Bern.", "sda"]. */
export function trailingCredit(paragraph: string): [string, string | null] {
  let m = /^(.*?)\s*\(([^()]{1,40})\)\s*$/s.exec(paragraph);
  if (m && /[.!?"'”»…]$/.test(m[1]!) && isAgencyList(m[2]!, true)) return [m[1]!, m[2]!.trim()];
  m = /^(.*?)\s*©\s*([^©]{1,40})$/s.exec(paragraph);
  if (m && m[1]!.trim()) return [m[1]!, m[2]!.trim()];
  // A sign-off glued to the last sentence: "... said on Friday. Reuter", "... mitteilte. dpa"
  m = /^(.*[.!?"'”»…])\s+([A-Za-z]{2,8}(?:\/[A-Za-z]{2,8})*)$/s.exec(paragraph);
  if (m && isAgencyList(m[2]!, true)) return [m[1]!, m[2]!];
  return [paragraph, null];
}

/** Photo credits and captions' credits ("Bild: Keystone", "Foto: AFP") that are not the article's credit. */
export function isPhotoCredit(line: string): boolean {
  return /^(?:bild|bilder|foto|fotos|photo|photos|image|images|video|videos|grafik|karte|illustration|graphic|map|bildquelle|fotoquelle|photo credit)\s*:\s*[^.!?]{1,60}$/i.test(line.trim());
}
