// The article reader: inputs (files, directories, globs, JSONL, stdin) -> cleaned `Article`s.
export { InputError } from "./errors.ts";
export type { ReadOptions } from "./options.ts";
export { DEFAULT_MAX_BYTES } from "./options.ts";
export { countArticles, readArticles, reportStructureWarnings, type ReadItem } from "./inputs.ts";
export { parseArticle, articleFromRecord, formatFromPath, sniffFormat, type DocumentFormat, type InputFormat } from "./parse.ts";
export { decodeText } from "./decode.ts";
export { articleId, slugify, sanitiseId } from "./id.ts";
export { parseDate, isIsoDate } from "./dates.ts";
export { loadDebris } from "./debris.ts";
