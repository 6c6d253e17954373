// Bytes -> text: BOMs, UTF-8, Windows-1252 fallback, line ends; refuses binary data.
import { InputError } from "./errors.ts";

const MAGIC: Array<{ bytes: number[]; what: string }> = [
  { bytes: [0x25, 0x50, 0x44, 0x46], what: "a PDF" }, // %PDF
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], what: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: "a GIF image" }, // GIF8
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: "a zip archive" }, // PK\3\4 (also docx, xlsx, epub)
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: "a zip archive" },
  { bytes: [0x1f, 0x8b], what: "a gzip archive" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: "an executable" }, // ELF
];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((b, i) => bytes[i] === b);
}

/** What kind of binary file this looks like, or null when it may be text. */
export function sniffBinary(bytes: Uint8Array): string | null {
  for (const { bytes: magic, what } of MAGIC) if (startsWith(bytes, magic)) return what;
  const riff = bytes.length >= 12 && startsWith(bytes, [0x52, 0x49, 0x46, 0x46]);
  if (riff && String.fromCharCode(...bytes.subarray(8, 12)) === "WEBP") return "a WebP image";
  return null;
}

function binary(file: string, what: string): InputError {
  return new InputError(file, `binary data (looks like ${what}), not an article`);
}

/** CRLF and lone CR -> LF. */
export function normaliseLineEnds(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/**
 * Decodes bytes: BOM (UTF-8, UTF-16LE/BE) -> that; valid UTF-8 -> UTF-8; else Windows-1252.
 * Normalises CRLF/CR to LF. Throws InputError on binary data.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  const kind = sniffBinary(bytes);
  if (kind) throw binary(file, kind);

  let text: string;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
    text = new TextDecoder("utf-8").decode(bytes.subarray(3));
  } else if (startsWith(bytes, [0xff, 0xfe])) {
    text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  } else if (startsWith(bytes, [0xfe, 0xff])) {
    text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  } else {
    if (bytes.includes(0)) throw new InputError(file, "binary data (contains NUL bytes), not an article");
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      text = new TextDecoder("windows-1252").decode(bytes);
    }
  }
  if (text.includes("\u0000")) throw new InputError(file, "binary data (contains NUL bytes), not an article");
  return normaliseLineEnds(text);
}
