// The library: everything the CLI does, importable.
export type { Article, ArticleResult, LanguageResult, Usage } from "./core/types.ts";
export { processArticle, createPipeline, Pipeline, type PipelineOptions, type TaskKind } from "./run/pipeline.ts";
export { runBatch, type BatchSummary, type Failure } from "./run/batch.ts";
export { readArticles, parseArticle, InputError, type ReadItem, type ReadOptions } from "./article/index.ts";
export { createModelClient } from "./model/create.ts";
export { requestStructured, type StructuredRequest, type StructuredResult } from "./model/structured.ts";
export type { ChatModel, ChatModel as ModelClient, ChatRequest, ChatAnswer, ProviderOptions } from "./model/provider.ts";
export { createScheduler, type Scheduler, type SchedulerOptions } from "./model/scheduler.ts";
export { Cache, defaultCachePath } from "./core/cache.ts";
export { modelConfig, loadEnvFile, DEFAULT_MODEL } from "./core/config.ts";
export { loadPromptSet, loadPrompt, parsePrompt, renderPrompt, type Prompt, type PromptSet } from "./core/prompts.ts";
export { TranslationSchema, LanguageDigestSchema, digestSchema } from "./tasks/schemas.ts";
export { NewsdeskError, ConfigError, CacheError, ProviderError, QuotaExceededError, RefusalError, TruncatedError, InvalidAnswerError, type FaultKind } from "./core/errors.ts";
export { writeResultFiles } from "./render/files.ts";
export { articleMarkdown } from "./render/markdown.ts";
export { renderNewsletter, type NewsletterItem, type NewsletterOptions } from "./render/newsletter/index.ts";
export { runCli, type CliIo } from "./cli/main.ts";
export { serve, startReviewServer, type ServeOptions, type ReviewServer, type ReviewServerOptions } from "./serve/index.ts";
