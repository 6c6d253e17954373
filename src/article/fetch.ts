// URL inputs: one page (or feed) fetched with the platform fetch, within a size cap, two timeouts and
// at most 5 redirects (followed by hand, so they are counted and each hop is checked), decoded by
// its declared charset, and revalidated from the page cache (ETag / Last-Modified -> 304).
import { readFileSync } from "node:fs";
import { decodeText, normaliseLineEnds, sniffBinary } from "./decode.ts";
import { InputError, formatSize } from "./errors.ts";
import type { PageCache } from "./page-cache.ts";

export const MAX_REDIRECTS = 5;
/** Whole answer, body included (--fetch-timeout). */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
/** Until the answer's headers arrive (connecting included): the platform fetch has no separate connect timer. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface FetchOptions {
  maxBytes: number;
  /** Total time for one URL, redirects and body included. */
  timeoutMs?: number;
  /** Time until each answer's headers arrive (DNS, connect, TLS, the server's think time). */
  connectTimeoutMs?: number;
  userAgent?: string;
  cache?: PageCache | null;
  /** What the caller can read; sent as Accept. */
  accept?: string;
  signal?: AbortSignal;
}

export interface FetchedPage {
  /** The URL as asked for. */
  requested: string;
  /** The URL that answered, after redirects. */
  url: string;
  /** Media type without parameters, lower case ("text/html"), or "" when the server sent none. */
  mediaType: string;
  /** The charset the Content-Type header names, if any. */
  charset: string | null;
  body: Buffer;
  /** 200, or 304 when the stored body was reused. */
  status: number;
  redirects: number;
}

let version: string | undefined;
function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}

/** `newsdesk/<version> (...)`; a desk sets NEWSDESK_USER_AGENT to add its own contact address. */
export function defaultUserAgent(): string {
  const own = process.env.NEWSDESK_USER_AGENT?.trim();
  if (own) return own;
  return `newsdesk/${packageVersion()} (+https://www.npmjs.com/package/newsdesk; news desk article reader)`;
}

const ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,*/*;q=0.5";

/** The URL when it is one newsdesk reads (absolute http/https), an InputError when it is another scheme, null when it is no URL at all. */
export function checkUrl(input: string): URL | InputError | null {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(input.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  // "C:\news\story.txt" is a Windows path, not a URL.
  if (scheme.length === 1) return null;
  if (scheme !== "http" && scheme !== "https") {
    return new InputError(input, `${scheme}: URLs are not read (only http and https)`);
  }
  try {
    const url = new URL(input.trim());
    if (!url.hostname) return new InputError(input, "not a valid URL (no host)");
    if (url.username || url.password) return new InputError(input, "URLs with a user name or password are not read");
    return url;
  } catch {
    return new InputError(input, "not a valid URL");
  }
}

/** Whether an input names a URL (any scheme), so it is never looked for on disk. */
export function looksLikeUrl(input: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(input.trim()) || /^(?:https?|ftp|file|data|javascript|mailto):/i.test(input.trim());
}

function parseContentType(value: string | null): { mediaType: string; charset: string | null } {
  if (!value) return { mediaType: "", charset: null };
  const [type, ...params] = value.split(";");
  let charset: string | null = null;
  for (const param of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(param);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { mediaType: type!.trim().toLowerCase(), charset };
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** A one-line reason for a failed fetch: DNS, refused, reset, TLS, timeout. */
function networkProblem(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause as { code?: string; message?: string } | undefined;
  const code = cause?.code ?? (error as { code?: string }).code ?? "";
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_NODATA":
      return "host not found (DNS)";
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "connection reset by the server";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "timeout while connecting";
    case "CERT_HAS_EXPIRED":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS certificate not accepted (${code})`;
    default: {
      const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
      return `cannot fetch (${code || message})`;
    }
  }
}

/**
 * Fetches one http(s) URL. Throws InputError naming the URL and the problem: a refused scheme, DNS,
 * refused connection, timeout, HTTP 4xx/5xx, too many redirects, over --max-bytes.
 */
export async function fetchPage(input: string, options: FetchOptions): Promise<FetchedPage> {
  const checked = checkUrl(input);
  if (checked === null) throw new InputError(input, "not a URL");
  if (checked instanceof InputError) throw checked;
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const connectMs = Math.min(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, timeoutMs);
  const total = new AbortController();
  let why: string | null = null;
  const totalTimer = setTimeout(() => {
    why = `timeout: no complete answer within ${seconds(timeoutMs)} (--fetch-timeout)`;
    total.abort();
  }, timeoutMs);
  const onOuterAbort = () => {
    why = "cancelled";
    total.abort();
  };
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const fail = (problem: string) => new InputError(input, problem);
  try {
    let url = checked;
    for (let redirects = 0; ; redirects++) {
      const stored = safely(() => options.cache?.get(url.href) ?? null);
      const headers: Record<string, string> = {
        "user-agent": options.userAgent ?? defaultUserAgent(),
        accept: options.accept ?? ACCEPT,
        "accept-language": "de, en;q=0.9, *;q=0.5",
      };
      if (stored?.etag) headers["if-none-match"] = stored.etag;
      if (stored?.lastModified) headers["if-modified-since"] = stored.lastModified;

      // The connect timer runs until the headers are in; the total timer until the body is.
      const hop = new AbortController();
      const stopHop = () => hop.abort();
      total.signal.addEventListener("abort", stopHop, { once: true });
      const connectTimer = setTimeout(() => {
        why ??= `timeout: no answer within ${seconds(connectMs)}`;
        hop.abort();
      }, connectMs);
      let response: Response;
      try {
        response = await fetch(url, { headers, redirect: "manual", signal: hop.signal });
      } catch (error) {
        throw fail(why ?? networkProblem(error));
      } finally {
        clearTimeout(connectTimer);
      }
      const where = url.href === input ? "" : ` (at ${url.href})`;

      if (response.status >= 300 && response.status < 400 && response.status !== 304) {
        await response.body?.cancel().catch(() => {});
        const location = response.headers.get("location");
        if (!location) throw fail(`HTTP ${response.status} redirect without a Location${where}`);
        if (redirects >= MAX_REDIRECTS) throw fail(`too many redirects (more than ${MAX_REDIRECTS})`);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw fail(`redirect to an invalid URL (${location.slice(0, 200)})`);
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") throw fail(`redirect to a ${next.protocol} URL, not followed`);
        url = next;
        continue;
      }
      if (response.status === 304 && stored) {
        await response.body?.cancel().catch(() => {});
        safely(() => options.cache?.touch(url.href));
        const type = parseContentType(stored.contentType);
        return { requested: input, url: url.href, ...type, body: stored.body, status: 304, redirects };
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => {});
        const text = response.statusText ? ` ${response.statusText}` : "";
        throw fail(`HTTP ${response.status}${text}${where}`);
      }

      const body = await readBody(response, options.maxBytes, fail, () => why);
      const contentType = response.headers.get("content-type");
      const etag = response.headers.get("etag");
      const lastModified = response.headers.get("last-modified");
      if (etag || lastModified) {
        safely(() => options.cache?.put({ url: url.href, etag, lastModified, contentType, body, checked: Date.now() }));
      }
      return { requested: input, url: url.href, ...parseContentType(contentType), body, status: response.status, redirects };
    }
  } finally {
    clearTimeout(totalTimer);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** A page cache that fails (locked, read-only, full) only costs the conditional request. */
function safely<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** The body, streamed: refused as soon as it passes maxBytes (by Content-Length before reading, when given). */
async function readBody(response: Response, maxBytes: number, fail: (problem: string) => InputError, why: () => string | null): Promise<Buffer> {
  const length = Number(response.headers.get("content-length"));
  // Content-Length counts the bytes on the wire; a compressed body is checked as it is unpacked.
  const encoded = (response.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
  if (!encoded && Number.isFinite(length) && length > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw fail(`too large: ${formatSize(length)}, over the ${formatSize(maxBytes)} limit (--max-bytes)`);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw fail(`too large: over the ${formatSize(maxBytes)} limit (--max-bytes)`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw fail(why() ?? `the answer broke off (${networkProblem(error)})`);
  }
  return Buffer.concat(chunks, size);
}

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

export function isHtmlType(mediaType: string): boolean {
  return HTML_TYPES.has(mediaType);
}

/** The charset a page names for itself in its first bytes: <meta charset>, <meta http-equiv>, or <?xml encoding?>. */
export function declaredCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString("latin1");
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/i.exec(head);
  if (xml) return xml[1]!.toLowerCase();
  for (const m of head.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i.exec(tag);
    if (direct) return direct[1]!.toLowerCase();
  }
  return null;
}

function decoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

/**
 * The page's bytes as text: a BOM wins, then the charset of the Content-Type header, then the one
 * the page declares (<meta charset>, <?xml encoding?>), then UTF-8 with the Windows-1252 fallback.
 */
export function decodePage(page: Pick<FetchedPage, "body" | "charset" | "url">): string {
  const { body } = page;
  const bom = (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) || (body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff);
  if (bom) return decodeText(body, page.url);
  const kind = sniffBinary(body);
  if (kind) throw new InputError(page.url, `binary data (looks like ${kind}), not an article`);
  for (const label of [page.charset, declaredCharset(body)]) {
    if (!label) continue;
    const decoder = decoderFor(label);
    // UTF-16 declared inside an 8-bit page is a lie the page cannot tell (HTML's rule): read as UTF-8.
    if (!decoder || decoder.encoding.startsWith("utf-16")) continue;
    if (decoder.encoding === "utf-8") return decodeText(body, page.url);
    const text = decoder.decode(body);
    if (text.includes("\u0000")) throw new InputError(page.url, "binary data (contains NUL bytes), not an article");
    return normaliseLineEnds(text);
  }
  return decodeText(body, page.url);
}
