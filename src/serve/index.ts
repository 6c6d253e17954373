// The review desk (`newsdesk serve out/`): a local web page over a folder of result files where
// an editor checks, fixes and approves before anything is published. See docs/review.md.
import { readFileSync } from "node:fs";
import { Cache, defaultCachePath } from "../core/cache.ts";
import { modelConfig, DEFAULT_MODEL } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { createModelClient } from "../model/create.ts";
import { createPipeline, type Pipeline } from "../run/pipeline.ts";
import { loadPromptSet } from "../core/prompts.ts";
import { defaultGlossaryPath, loadGlossary } from "../core/glossary.ts";
import { loadPrices } from "../run/cost.ts";
import { checkFormality, parseFormality, type FormalitySetting } from "../core/formality.ts";
import { startReviewServer, DEFAULT_HOST, DEFAULT_PORT, type ReviewServer } from "./server.ts";

export { startReviewServer, DEFAULT_HOST, DEFAULT_PORT, isLoopback, type ReviewServer, type ReviewServerOptions } from "./server.ts";
export { applyReview, placeWarnings, limitProblems, LIMITS, type Review, type Edit, type ReviewedResult, type PlacedWarning } from "./review.ts";
export { retranslateParagraph, rerunDigest, channelsOf } from "./assist.ts";
export { exportNewsletter, type ExportOptions } from "./export.ts";

/** What `newsdesk serve` takes; the CLI only parses flags into this. */
export interface ServeOptions {
  dir: string;
  host?: string;
  port?: number;
  /** A file holding the token (first line, trimmed). */
  tokenFile?: string;
  model?: string;
  /** Cache file; false: no cache. */
  cache?: string | false;
  prompts?: string;
  /** Glossary file; false: none. */
  glossary?: string | false;
  variants?: string[];
  prices?: string;
  /**
   * The German register for the model help, as `run --formality` takes it. Not given: the desk's
   * $NEWSDESK_FORMALITY (environment or .env), as `run` reads it; neither: no register.
   */
  formality?: FormalitySetting;
  /** Who serves the model, as `run --provider` takes it (default: $NEWSDESK_PROVIDER, else openai). */
  provider?: string;
}

/** The register the desk's model help asks for: the option, else $NEWSDESK_FORMALITY (a ConfigError when unusable), else none. */
export function deskFormality(options: Pick<ServeOptions, "formality">, env: NodeJS.ProcessEnv = process.env): FormalitySetting | undefined {
  if (options.formality !== undefined) return checkFormality(options.formality);
  const desk = env.NEWSDESK_FORMALITY?.trim();
  return desk ? parseFormality(desk, "NEWSDESK_FORMALITY") : undefined;
}

export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read token file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (!token) throw new ConfigError(`token file ${file} is empty`);
  return token;
}

/** The pipeline the page's model help uses: the same configuration as `newsdesk run`. */
function pipelineFactory(options: ServeOptions, formality: FormalitySetting | undefined): () => Pipeline {
  return () => {
    const config = modelConfig(process.env, options.model, options.provider);
    return createPipeline({
      client: createModelClient({ kind: config.provider, apiKey: config.apiKey, baseURL: config.baseURL, apiVersion: config.apiVersion }),
      model: config.model,
      cache: options.cache === false ? null : new Cache(options.cache ?? defaultCachePath()),
      // Each request uses the languages of its result (see assist.ts: forResult).
      languages: [],
      prompts: loadPromptSet(options.prompts),
      glossary: options.glossary === false ? [] : loadGlossary(options.glossary ?? defaultGlossaryPath()),
      variants: options.variants,
      // Each request asks for the channels its result has (assist.ts: forResult); the register is the desk's.
      formality,
    });
  };
}

/** Starts the desk for the CLI; resolves once it listens. */
export async function serve(options: ServeOptions): Promise<ReviewServer> {
  const host = options.host ?? DEFAULT_HOST;
  const token = options.tokenFile ? readTokenFile(options.tokenFile) : undefined;
  // Read at start, so a broken setting stops the desk (exit 2) as it stops `run`.
  const factory = pipelineFactory(options, deskFormality(options));
  return startReviewServer({
    dir: options.dir,
    host,
    port: options.port ?? DEFAULT_PORT,
    token,
    pipeline: factory,
    model: options.model || process.env.NEWSDESK_MODEL?.trim() || DEFAULT_MODEL,
    variants: options.variants,
    prices: loadPrices(options.prices),
  });
}
