// Typed errors, so the CLI and library users can tell what went wrong without parsing text.
// Each class declares what a caller needs: the exit code, and for provider faults their kind.
import type { Usage } from "./types.ts";
import { redactSecrets } from "./secrets.ts";

export { redactSecrets } from "./secrets.ts";

export class NewsdeskError extends Error {
  override name = "NewsdeskError";
  /** The CLI's exit code when this error ends a run: 1 failed work, 2 usage or configuration. */
  exitCode = 1;
  /** Calls already paid for when the work failed (so cost reports count them). */
  usage?: Usage;
  /** The task it happened in ("translate de", "digest de,en"), said in front of the message. */
  task?: string;
}

/** Bad configuration or usage: exit code 2. */
export class ConfigError extends NewsdeskError {
  override name = "ConfigError";
  override exitCode = 2;
}

/** An input that cannot be read as an article: names the input (and line) and what is wrong with it. Exit 2 when it was the only input. */
export class InputError extends ConfigError {
  override name = "InputError";
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    // Always one line, so a batch report stays one line per problem.
    const oneLine = problem.replace(/\s*[\r\n]+\s*/g, " ").trim();
    super(line === undefined ? `${file}: ${oneLine}` : `${file}:${line}: ${oneLine}`);
  }
}

/** A prompt file or newsletter layout that cannot be rendered (unknown or missing variable): exit 2. */
export class TemplateError extends ConfigError {
  override name = "TemplateError";
}

/** A glossary that cannot be used: one line naming the file (and line); exit 2. */
export class GlossaryError extends ConfigError {
  override name = "GlossaryError";
}

/** The cache file cannot be used at all (not a database, a folder, not creatable): exit 2 before any call. */
export class CacheError extends ConfigError {
  override name = "CacheError";
  constructor(readonly file: string, readonly problem: string, readonly hint: string) {
    super(`cache ${file}: ${problem}; ${hint}`);
  }
}

/** The model declined to answer (a refusal or a content filter). */
export class RefusalError extends NewsdeskError {
  override name = "RefusalError";
}

/** The answer was cut off by the token limit (finish_reason "length"). */
export class TruncatedError extends NewsdeskError {
  override name = "TruncatedError";
}

/** The answer stayed invalid (not JSON, schema broken, hard check failed) after every repair. */
export class InvalidAnswerError extends NewsdeskError {
  override name = "InvalidAnswerError";
  constructor(message: string, readonly problems: string[]) {
    super(message);
  }
}

/** A result that carries warnings, under --strict: the article counts as failed. */
export class StrictWarningError extends NewsdeskError {
  override name = "StrictWarningError";
}

/**
 * What a fault of the model server means for the work:
 * - rate: slow down and try again (429);
 * - quota: the account has no credit left; nothing will work until it has;
 * - transient: try this call again later (5xx, connection reset, timeout, a body that is not JSON);
 * - config: the setup is wrong (bad key, unknown model, unreachable server); stop everything;
 * - permanent: this request cannot succeed (400 for this article);
 * - abort: cancelled by the user.
 */
export type FaultKind = "rate" | "quota" | "transient" | "config" | "permanent" | "abort";

/** A fault of the model server or of the way to it, classified once where the provider is called. */
export class ProviderError extends NewsdeskError {
  override name = "ProviderError";
  constructor(
    message: string,
    readonly kind: FaultKind,
    readonly details: { status?: number | null; retryAfterMs?: number | null; timeout?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.exitCode = kind === "config" ? 2 : 1;
  }
  get status(): number | null {
    return this.details.status ?? null;
  }
  get retryAfterMs(): number | null {
    return this.details.retryAfterMs ?? null;
  }
}

/** A 429 with code "insufficient_quota": retrying cannot help, the batch must stop. */
export class QuotaExceededError extends ProviderError {
  override name = "QuotaExceededError";
  constructor(message: string) {
    super(message, "quota");
  }
}

/**
 * Keeps what a failed task or article already used (calls, tokens) on the error, so that usage and
 * cost reports count calls that were paid for even when the work failed.
 */
export function withUsage<E>(error: E, usage: Usage): E {
  if (error instanceof NewsdeskError) error.usage = usage;
  else if (error && typeof error === "object") {
    Object.defineProperty(error, "usage", { value: usage, configurable: true, writable: true, enumerable: false });
  }
  return error;
}

export function usageOf(error: unknown): Usage | undefined {
  return error && typeof error === "object" ? (error as { usage?: Usage }).usage : undefined;
}

/** The exit code an error asks for: its class's, or 1 for anything that is not ours. */
export function exitCodeOf(error: unknown): number {
  return error instanceof NewsdeskError ? error.exitCode : 1;
}

/** One line describing an error for the user (its task in front, unless `withTask` is false), secrets removed. */
export function describeError(error: unknown, withTask = true): string {
  const message = error instanceof Error ? error.message : String(error);
  const task = withTask && error instanceof NewsdeskError && error.task ? `${error.task}: ` : "";
  return redactSecrets(task + message.split("\n")[0]!.trim());
}
