// What an HTTP status from a model server means, said the same way for every provider.
import { ProviderError, QuotaExceededError } from "../core/errors.ts";

export interface StatusContext {
  /** Where the call went (a URL, never with credentials). */
  server: string;
  /** What the server said, one short line. */
  says: string;
  /** For any other status: the text to report (default `says`). */
  message?: string;
  /** What a 404 means for this provider (a model, a deployment) and what to check. */
  notFound: string;
  /** The 429 says the account has no credit left (code insufficient_quota). */
  quota?: boolean;
  retryAfterMs?: number | null;
  cause?: unknown;
}

/** A failed HTTP status as a fault of a known kind: 401/403/404 the setup, 429 rate or quota, 5xx/408/409 transient, the rest permanent. */
export function faultForStatus(status: number, c: StatusContext): ProviderError {
  const details = { status, cause: c.cause };
  if (status === 401) return new ProviderError(`the server at ${c.server} rejected the API key (401: ${c.says}): check OPENAI_API_KEY`, "config", details);
  if (status === 403) return new ProviderError(`the server at ${c.server} denied access (403: ${c.says}): check OPENAI_API_KEY and the model's access`, "config", details);
  if (status === 404) return new ProviderError(c.notFound, "config", details);
  if (status === 429) {
    if (c.quota) return new QuotaExceededError(`insufficient quota: the provider says the account has no credit left (${c.says})`);
    return new ProviderError(`rate limited (429): ${c.says}`, "rate", { ...details, retryAfterMs: c.retryAfterMs ?? null });
  }
  const kind = status >= 500 || status === 408 || status === 409 ? "transient" : "permanent";
  return new ProviderError(c.message ?? c.says, kind, details);
}
