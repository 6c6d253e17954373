// The review desk's HTTP server: Node's http, a handful of JSON routes and three static files.
// Safety rules (see docs/review.md): loopback by default, a token for any other host, the token
// plus a same-origin check on every state-changing request, the Host header checked against
// DNS rebinding, ids validated before any path is built, bodies bounded, every error a 4xx.
import http from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { Pipeline } from "../run/pipeline.ts";
import { ConfigError, describeError } from "../core/errors.ts";
import { estimateCost, loadPrices, type PriceTable } from "../run/cost.ts";
import { parsePublished } from "../core/dates.ts";
import { ResultStore, StoreError, type Loaded } from "./store.ts";
import {
  applyReview,
  deskState,
  LIMITS,
  openWarnings,
  placeWarnings,
  ReviewError,
  ReviewRequestSchema,
  sourceKey,
  type ReviewedResult,
} from "./review.ts";
import { AssistError, rerunDigest, retranslateParagraph } from "./assist.ts";
import { exportNewsletter } from "./export.ts";

export const DEFAULT_PORT = 4417;
export const DEFAULT_HOST = "127.0.0.1";
const MAX_BODY_BYTES = 1024 * 1024;
const COOKIE = "newsdesk_token";

export interface ReviewServerOptions {
  /** The results folder (`out/`). */
  dir: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Required for any host other than loopback; checked on every request. */
  token?: string;
  /** The pipeline for model help (retranslate a paragraph, re-run the digest); made on first use. */
  pipeline?: () => Pipeline;
  /** The model the cost is estimated for when a result does not record its own. */
  model?: string;
  variants?: string[];
  prices?: PriceTable;
}

export interface ReviewServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};
const STATIC_DIR = new URL("./static/", import.meta.url);

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

function sameToken(given: string | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const length = Number(req.headers["content-length"] ?? 0);
    if (length > MAX_BODY_BYTES) return reject(new HttpError(413, "request body too large"));
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        reject(new HttpError(413, "request body too large"));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "the body is not valid JSON"));
      }
    });
    req.on("error", () => {
      if (!done) reject(new HttpError(400, "the request broke off"));
      done = true;
    });
  });
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(422, `invalid request: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "bad body"}`);
  }
  return parsed.data;
}

const RetranslateSchema = z.strictObject({
  lang: z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/),
  paragraph: z.number().int().min(0).max(9_999),
});
const DigestSchema = z.strictObject({ fresh: z.boolean().optional() });
const ExportQuery = z.object({
  lang: z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/),
  format: z.enum(["md", "html", "json"]).default("md"),
  points: z.coerce.number().int().min(0).max(5).default(3),
  disclosure: z.enum(["0", "1"]).default("0"),
});

export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopback(host) && !options.token) {
    throw new ConfigError(`--host ${host} is reachable from other machines: it needs --token-file`);
  }
  if (options.token !== undefined && !/^[A-Za-z0-9._~+/=-]{16,512}$/.test(options.token)) {
    throw new ConfigError("the token must be 16 to 512 characters of A-Z a-z 0-9 . _ ~ + / = -");
  }
  let store: ResultStore;
  try {
    store = new ResultStore(options.dir);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  // Sent with every state-changing request (header x-newsdesk-token). Without --token-file it is
  // made here and known only to pages this server served: another site cannot read it.
  const csrfToken = options.token ?? randomBytes(24).toString("base64url");
  const prices = options.prices ?? loadPrices();
  const statics = new Map<string, Buffer>();
  const staticFile = (name: string) => {
    let body = statics.get(name);
    if (!body) statics.set(name, (body = readFileSync(new URL(name, STATIC_DIR))));
    return body;
  };
  let pipeline: Pipeline | undefined;
  const getPipeline = () => {
    if (!options.pipeline) throw new HttpError(503, "model help is not available (no model configured)");
    try {
      pipeline ??= options.pipeline();
    } catch (error) {
      throw new HttpError(503, `model help is not available: ${describeError(error)}`);
    }
    return pipeline;
  };

  let allowedHosts: Set<string> | null = null;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError || error instanceof StoreError || error instanceof ReviewError || error instanceof AssistError
        ? error.status
        : 500;
      const message = status === 500 ? "internal error" : (error as Error).message;
      if (status === 500) process.stderr.write(`newsdesk serve: ${describeError(error)}\n`);
      if (res.headersSent) return void res.destroy();
      // A body that was refused unread is not drained: the connection closes after the answer.
      if (status === 413 || !req.complete) res.setHeader("connection", "close");
      sendJson(res, status, { error: message });
    });
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) {
    res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": String(Buffer.byteLength(body)), ...extra });
    res.end(body);
  }
  function sendJson(res: http.ServerResponse, status: number, value: unknown) {
    send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "";
    // DNS rebinding: a page on another name that resolves here must not reach the desk.
    const hostHeader = req.headers.host ?? "";
    if (allowedHosts && !allowedHosts.has(hostHeader.toLowerCase())) throw new HttpError(421, "unexpected Host header");
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://desk.invalid");
    } catch {
      throw new HttpError(400, "bad request line");
    }
    const route = url.pathname;

    if (options.token) {
      const given = cookieValue(req.headers.cookie, COOKIE) ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!sameToken(given, options.token)) {
        const query = url.searchParams.get("token");
        if (method === "GET" && route === "/" && query !== null && sameToken(query, options.token)) {
          // Opened with ?token=…: remember it in a cookie only this site gets, and drop it from the address.
          return send(res, 303, "text/plain; charset=utf-8", "", {
            location: "/",
            "set-cookie": `${COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`,
          });
        }
        throw new HttpError(401, "token required: open the desk with /?token=<token from --token-file>");
      }
    }

    if (method !== "GET" && method !== "HEAD" && method !== "POST") throw new HttpError(405, "method not allowed");

    if (method === "POST") {
      // CSRF: a state-changing request must come from a page of this desk.
      const origin = req.headers.origin;
      const fetchSite = req.headers["sec-fetch-site"];
      if (origin !== undefined ? origin !== `http://${hostHeader}` : fetchSite !== undefined && fetchSite !== "same-origin") {
        throw new HttpError(403, "cross-origin request refused");
      }
      const header = req.headers["x-newsdesk-token"];
      if (!sameToken(Array.isArray(header) ? header[0] : header, csrfToken)) throw new HttpError(403, "missing or wrong x-newsdesk-token");
      if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) throw new HttpError(415, "send application/json");
    }

    const page = STATIC[route];
    if (page) {
      if (method === "POST") throw new HttpError(405, "method not allowed");
      let body: string | Buffer = staticFile(page.file);
      if (page.file === "index.html") body = body.toString("utf8").replace("__CSRF_TOKEN__", csrfToken);
      return send(res, 200, page.type, method === "HEAD" ? "" : body);
    }

    if (route === "/api/articles") {
      if (method === "POST") throw new HttpError(405, "method not allowed");
      return sendJson(res, 200, queue());
    }
    if (route === "/api/export") {
      if (method === "POST") throw new HttpError(405, "method not allowed");
      const query = parseWith(ExportQuery, Object.fromEntries(url.searchParams));
      const { results } = store.list();
      const exported = exportNewsletter(
        results.map((l) => l.result),
        { lang: query.lang, format: query.format, points: query.points, disclosure: query.disclosure === "1" },
      );
      return sendJson(res, 200, exported);
    }
    const article = /^\/api\/articles\/([a-z0-9][a-z0-9-]{0,199})(?:\/(review|retranslate|digest))?$/.exec(route);
    if (article) {
      const [, id, action] = article;
      if (action === undefined) {
        if (method === "POST") throw new HttpError(405, "method not allowed");
        return sendJson(res, 200, articleView(store.read(id!)));
      }
      if (method !== "POST") throw new HttpError(405, "method not allowed");
      const body = await readBody(req);
      if (action === "review") {
        const request = parseWith(ReviewRequestSchema, body);
        const saved = await store.update(id!, request.etag, (current) => applyReview(current, request));
        return sendJson(res, 200, articleView(saved));
      }
      const { result } = store.read(id!);
      if (action === "retranslate") {
        const request = parseWith(RetranslateSchema, body);
        const proposal = await retranslateParagraph(getPipeline(), result, request.lang, request.paragraph, options.variants);
        return sendJson(res, 200, proposal);
      }
      const request = parseWith(DigestSchema, body);
      const proposal = await rerunDigest(getPipeline(), result, { fresh: request.fresh ?? true, variants: options.variants });
      return sendJson(res, 200, proposal);
    }
    throw new HttpError(404, "not found");
  }

  function queue() {
    const { results, problems } = store.list();
    const items = results.map(({ result }) => {
      const state = deskState(result);
      const open = openWarnings(result).length;
      const source = sourceKey(result);
      const titles: Record<string, string> = {};
      for (const [lang, version] of Object.entries(result.languages)) {
        const title = version.title ?? version.snippet?.headline;
        if (typeof title === "string") titles[lang] = title;
      }
      return {
        id: result.id,
        title: result.source.title,
        titles,
        published: result.source.published ?? null,
        time: parsePublished(result.source.published ?? null)?.time ?? null,
        sourceLang: result.source.lang,
        sourceKey: source,
        languages: Object.keys(result.languages),
        warnings: result.warnings.length,
        openWarnings: open,
        state,
        editor: result.review?.editor ?? null,
        newModelAnswer: Boolean(result.review?.modelAnswer),
      };
    });
    // Open warnings on top, then newest first (undated last), then by id.
    items.sort(
      (a, b) =>
        Number(b.openWarnings > 0) - Number(a.openWarnings > 0) ||
        (b.time ?? -Infinity) - (a.time ?? -Infinity) ||
        a.id.localeCompare(b.id),
    );
    const counts = {
      all: items.length,
      warnings: items.filter((i) => i.openWarnings > 0).length,
      unreviewed: items.filter((i) => i.state === "unreviewed").length,
      "in-review": items.filter((i) => i.state === "in-review").length,
      approved: items.filter((i) => i.state === "approved").length,
    };
    const languages = [...new Set(items.flatMap((i) => [i.sourceLang, ...i.languages]))].sort();
    return { dir: store.dir, items, counts, languages, problems };
  }

  function articleView({ result, etag }: Loaded) {
    return { etag, result, sourceKey: sourceKey(result), warnings: placeWarnings(result), limits: LIMITS, provenance: provenance(result) };
  }

  function provenance(result: ReviewedResult) {
    const recorded = (result.provenance ?? {}) as Record<string, unknown>;
    const model = typeof recorded.model === "string" ? recorded.model : null;
    const usage = result.usage ?? { calls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, cacheHits: 0 };
    const assumed = model ?? options.model ?? null;
    const cost = assumed ? estimateCost(usage, assumed, prices) : null;
    const missing = ["model", "prompts", "glossary"].filter((k) => recorded[k] === undefined);
    return {
      model,
      prompts: recorded.prompts ?? null,
      glossary: recorded.glossary ?? null,
      usage,
      cost: cost ? { ...cost, assumedModel: model === null } : null,
      missing,
      review: result.review
        ? { status: result.review.status, editor: result.review.editor, at: result.review.at, edits: result.review.edits.length }
        : null,
      disclosure: result.disclosure ?? null,
      modelAnswerAt: result.review?.modelAnswer?.at ?? null,
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  if (isLoopback(host)) {
    allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${shownHost}:${port}`.toLowerCase()]);
  }
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
