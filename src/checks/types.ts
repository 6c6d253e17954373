// Shapes shared by the checks; re-exported from ./index.ts.
import type { GlossaryEntry } from "../core/glossary.ts";
import type { ChannelTexts, Finding as AnswerFinding } from "../core/types.ts";
import type { Formality } from "../core/formality.ts";

export type Severity = AnswerFinding["severity"];

/** One problem in a model answer, and the check that found it. `message` is one line an editor understands. */
export interface Finding extends AnswerFinding {
  check: string;
}

export interface SourceText {
  title: string;
  paragraphs: string[];
  /** ISO 639-1 code of the source. */
  lang: string;
  /** Optional extra source text whose numbers count as known (e.g. the published date line). */
  published?: string | null;
}

export interface TranslationCheckInput {
  source: SourceText;
  output: { title: string; paragraphs: string[] };
  /** "de", "en", "de-CH", "de-DE", "en-GB", "en-US", or any code. */
  target: string;
  glossary?: GlossaryEntry[];
  /** The desk's register for this target (--formality); none: no register check. */
  formality?: Formality | null;
}

export interface DigestCheckInput {
  source: SourceText;
  digest: { summary: string; keyPoints: string[]; snippet: { headline: string; teaser: string }; channels?: ChannelTexts };
  target: string;
  glossary?: GlossaryEntry[];
  /** The desk's register for this target (--formality); none: no register check. */
  formality?: Formality | null;
}
