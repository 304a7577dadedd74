import type { ChatRequest, ChatResponse } from '../core/index.js';

/**
 * The contract between the parts of `src/canaries/` (DESIGN.md §7 "Quality canaries"): a case is a
 * fixed temperature-0 request with a deterministic grader; running it on one deployment gives a
 * result; results feed the drift statistics and are kept in the store for `explain`.
 */

/** A grader's verdict on one answer. */
export interface Grade {
  pass: boolean;
  /** Why, in a few words (`expected 391, got 319`); never the whole answer. */
  detail: string;
}

/** One canary: a fixed request and how to grade its answer. */
export interface CanaryCase<Grader = unknown> {
  /** Unique within its suite (`arith-3`). */
  id: string;
  /** The suite it belongs to (`arithmetic`). */
  suite: string;
  /** The request, temperature 0, with a small `maxTokens`; `model` is filled in per deployment. */
  request: ChatRequest;
  /** The grader and what it expects (see `graders/`). */
  grader: Grader;
}

/** Grades an answer of a case. */
export type GradeAnswer = (canary: CanaryCase, answer: ChatResponse) => Grade;

/**
 * Results, their query and tallies are store rows (the store imports only core, DESIGN.md §4), so
 * they are defined in `store/types.ts` and re-exported here under the same names.
 */
export type { CanaryResult, CanaryResultQuery, CanaryTally, CanaryTallyQuery } from '../store/index.js';
