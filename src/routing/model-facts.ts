/**
 * What routing knows about a model beyond its deployments: its context window, its capabilities and
 * its prices. The server fills them in from the catalog and the config (routing does not read the
 * catalog itself: it sits below it in the dependency order), so every field may be unknown.
 */

/** What a model can do; an absent field is unknown and is not held against the model. */
export interface ModelCapabilities {
  /** Calls tools (function calling). */
  tools?: boolean;
  /** Calls several tools in one turn. */
  parallelTools?: boolean;
  /** Answers to a JSON schema (structured outputs). */
  jsonSchema?: boolean;
  /** Reads images. */
  vision?: boolean;
  /** Thinks before answering (reasoning tokens). */
  reasoning?: boolean;
  /** Continues a partial assistant turn (a prefill). */
  prefill?: boolean;
}

/** A host's price for a model, in US dollars per million tokens: the catalog's. */
export type { TokenPrice } from '../catalog/index.js';

/** How an `auto` model ranks its candidates once their capabilities and health have been checked. */
export type AutoPreference = 'cost' | 'latency' | 'balanced';

/** An `auto` model's rule (config `models.<name>.auto`). */
export interface AutoChoice {
  /** Candidate models, in the order that breaks ties. */
  among: string[];
  /** What to rank by. */
  prefer: AutoPreference;
}
