// HTTP headers of model providers, read the same way for every provider.

/** retry-after-ms, then retry-after (seconds or an HTTP date); null when neither is usable. */
export function retryAfterMs(headers: Headers | Record<string, string> | undefined | null, now = Date.now()): number | null {
  if (!headers) return null;
  const get = (name: string) =>
    typeof (headers as Headers).get === "function" ? (headers as Headers).get(name) : (headers as Record<string, string>)[name];
  const ms = Number(get("retry-after-ms"));
  if (get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const after = get("retry-after");
  if (after) {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return null;
}

/** "1s", "6m0s", "12ms", "1h2m3.5s" -> milliseconds. */
export function parseDuration(text: string | null): number | null {
  if (!text) return null;
  let total = 0;
  let matched = false;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n * 3_600_000;
  }
  if (!matched && /^\d+(\.\d+)?$/.test(text.trim())) return Number(text) * 1000;
  return matched ? total : null;
}
