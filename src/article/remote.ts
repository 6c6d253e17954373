// Inputs from the web and from feeds: a URL (a page or a feed), a feed file, a file listing URLs.
// Every failure is an InputError item naming the URL (or feed item), so a batch skips it and goes on.
import type { Article } from "../core/types.ts";
import { InputError } from "./errors.ts";
import { decodePage, fetchPage, isHtmlType, checkUrl, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_FETCH_TIMEOUT_MS, type FetchedPage } from "./fetch.ts";
import { itemDocument, parseFeed, selectItems, sniffFeed, type Feed, type FeedItem } from "./feed.ts";
import type { ReadOptions } from "./options.ts";
import { openPageCache, type PageCache } from "./page-cache.ts";
import { parseArticle, sniffFormat } from "./parse.ts";

export type RemoteItem = { article: Article } | { error: InputError };

/** What reading URLs needs from the reader's context; the page cache is opened with the first URL. */
export interface RemoteContext {
  options: ReadOptions;
  maxBytes: number;
  pageCache?: PageCache | null;
}

/** Item pages fetched at once while a feed is read (in order; a slow page does not hold up the next ones). */
export const FEED_FETCHES_AT_ONCE = 4;

function pageCache(ctx: RemoteContext): PageCache | null {
  if (ctx.pageCache === undefined) ctx.pageCache = openPageCache(ctx.options.fetchCache);
  return ctx.pageCache;
}

/** Closes the page cache if a URL opened it. */
export function closeRemote(ctx: RemoteContext): void {
  ctx.pageCache?.close();
  ctx.pageCache = null;
}

function fetchOptions(ctx: RemoteContext) {
  return {
    maxBytes: ctx.maxBytes,
    timeoutMs: ctx.options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    connectTimeoutMs: ctx.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    userAgent: ctx.options.userAgent,
    cache: pageCache(ctx),
  };
}

function toItem(error: unknown, where: string): RemoteItem {
  if (error instanceof InputError) return { error };
  throw error;
}

const URL_LINE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/**
 * The URLs of a URL list (one per line, `#` comments and blank lines skipped), or null when the
 * text is not one: every other line must be a URL (any scheme: a non-http one is refused by itself).
 */
export function urlList(text: string): string[] | null {
  const lines = text.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0 || !lines.every((l) => URL_LINE.test(l))) return null;
  return lines;
}

/** A URL input: a page through the HTML reader, a feed item by item. */
export async function* readUrl(input: string, ctx: RemoteContext): AsyncGenerator<RemoteItem> {
  let page: FetchedPage;
  try {
    page = await fetchPage(input.trim(), fetchOptions(ctx));
  } catch (error) {
    yield toItem(error, input);
    return;
  }
  let text: string;
  try {
    text = decodePage(page);
  } catch (error) {
    yield toItem(error, input);
    return;
  }
  const feedish = page.mediaType === "" || /(?:xml|json|rss|atom|html|text\/plain)/.test(page.mediaType);
  if (feedish && sniffFeed(text) !== null) {
    yield* readFeedText(text, input, page.url, ctx);
    return;
  }
  try {
    yield { article: pageArticle(page, text, input, ctx) };
  } catch (error) {
    yield toItem(error, input);
  }
}

/** A fetched page -> Article; refuses what is not HTML. `path` names it (the URL as given). */
function pageArticle(page: FetchedPage, text: string, path: string, ctx: RemoteContext): Article {
  const html = isHtmlType(page.mediaType) || (page.mediaType === "" && sniffFormat(text) === "html");
  if (!html) throw new InputError(path, `not HTML (Content-Type ${page.mediaType || "missing"})`);
  const article = parseArticle(text, { path }, "html", ctx.options);
  // The page's own address after redirects: where the desk links to.
  article.url = page.url;
  return article;
}

/** A feed's text (a file, or a fetched feed whose final URL is `base`), item by item. */
export async function* readFeedText(text: string, where: string, base: string | null, ctx: RemoteContext): AsyncGenerator<RemoteItem> {
  let feed: Feed;
  try {
    feed = parseFeed(text, where, base);
  } catch (error) {
    yield toItem(error, where);
    return;
  }
  if (feed.items.length === 0) {
    yield { error: new InputError(where, "the feed has no items") };
    return;
  }
  const items = selectItems(feed.items, { since: ctx.options.since, limit: ctx.options.limit });
  // A few item pages in flight ahead of the reader, yielded in order.
  const pending: Promise<RemoteItem>[] = [];
  let next = 0;
  const start = () => {
    if (next >= items.length) return;
    const promise = itemArticle(items[next++]!, feed, where, ctx);
    promise.catch(() => {}); // awaited below; a reader that stops early leaves no unhandled rejection
    pending.push(promise);
  };
  for (let i = 0; i < FEED_FETCHES_AT_ONCE; i++) start();
  while (pending.length > 0) {
    const item = await pending.shift()!;
    start();
    yield item;
  }
}

/** One feed item -> Article: its own full text when the feed carries it, else its linked page. */
async function itemArticle(item: FeedItem, feed: Feed, where: string, ctx: RemoteContext): Promise<RemoteItem> {
  const path = item.link ?? `${where}#${item.index}`;
  try {
    const doc = itemDocument(item, feed.lang);
    if (doc !== null) {
      const article = parseArticle(doc, { path }, "html", ctx.options);
      article.url = item.link;
      return { article };
    }
    if (item.link) {
      const checked = checkUrl(item.link);
      if (checked instanceof InputError) return { error: checked };
      const page = await fetchPage(item.link, fetchOptions(ctx));
      const article = pageArticle(page, decodePage(page), path, ctx);
      article.published ??= item.published;
      return { article };
    }
    // No content, no link: the summary is all there is.
    const teaser = item.summary === null ? null : itemDocument({ ...item, contentHtml: item.summary }, feed.lang);
    if (teaser === null) return { error: new InputError(path, "feed item has neither content nor a link") };
    return { article: parseArticle(teaser, { path }, "html", ctx.options) };
  } catch (error) {
    return toItem(error, path);
  }
}
