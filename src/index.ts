// The library: everything the CLI does, importable.
export type { Article, ArticleResult, LanguageResult, Usage } from "./types.ts";
export { processArticle, createPipeline, type Pipeline, type PipelineOptions, type TaskKind } from "./pipeline.ts";
export { runBatch, type BatchSummary, type Failure } from "./batch.ts";
export { readArticles, parseArticle, InputError, type ReadItem, type ReadOptions } from "./article/index.ts";
export { createModelClient, requestStructured, type ModelClient } from "./model.ts";
export { Cache, defaultCachePath } from "./cache.ts";
export { modelConfig, loadEnvFile, DEFAULT_MODEL } from "./config.ts";
export { loadPromptSet, loadPrompt, parsePrompt, renderPrompt, type Prompt, type PromptSet } from "./prompts.ts";
export { TranslationSchema, LanguageDigestSchema, digestSchema } from "./schemas.ts";
export { NewsdeskError, ConfigError, RefusalError, TruncatedError, InvalidAnswerError } from "./errors.ts";
export { writeResultFiles } from "./output/files.ts";
export { articleMarkdown } from "./output/markdown.ts";
export { renderNewsletter, type NewsletterItem, type NewsletterOptions } from "./newsletter/index.ts";
export { serve, startReviewServer, type ServeOptions, type ReviewServer, type ReviewServerOptions } from "./serve/index.ts";
