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

/** One canary run on one deployment. Graded only when the host answered. */
export interface CanaryResult {
  /** Deployment id (`provider/upstream-model`). */
  deployment: string;
  /** The Detour model the deployment serves. */
  model: string;
  /** The provider (host) name, for the per-provider cost cap. */
  provider: string;
  suite: string;
  caseId: string;
  /** When it was sent (epoch ms). */
  at: number;
  /**
   * True when the answer passed its grader; false when it failed it; null when the host did not
   * answer (then `failureClass` says why): an infrastructure failure is not a quality sample.
   */
  pass: boolean | null;
  /** The grader's detail, or the error message when the host did not answer. */
  detail: string;
  /** The failure class (DESIGN.md §6) when the host did not answer. */
  failureClass?: string;
  latencyMs: number;
  /** What the run cost at catalog prices (0 when no price is known or nothing was billed). */
  costUsd: number;
  /** The model version string the host reported (`model` of the answer), when it answered. */
  responseModel?: string;
}

/** Which canary results to read back. */
export interface CanaryResultQuery {
  deployment?: string;
  model?: string;
  /** Inclusive (epoch ms). */
  from?: number;
  /** Exclusive (epoch ms). */
  to?: number;
  /** Newest first; default 1000. */
  limit?: number;
}

/** Pass counts of one deployment and suite over a time range (answered runs only). */
export interface CanaryTally {
  deployment: string;
  model: string;
  suite: string;
  /** Runs the host answered (graded). */
  graded: number;
  passed: number;
  /** Runs the host did not answer. */
  unanswered: number;
  costUsd: number;
}
