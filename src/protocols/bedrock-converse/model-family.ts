/**
 * Which maker's model a Converse model id names, where Converse's options differ by maker.
 * `other` covers every other maker and ids that hide the model (application inference profile ARNs).
 */
export type ConverseModelFamily = 'anthropic' | 'nova' | 'other';

// Base ids (`anthropic.claude-…`), cross-region profiles (`us.anthropic.claude-…`) and ARNs that
// end in either (`…:foundation-model/anthropic.claude-…`, `…:inference-profile/eu.amazon.nova-…`).
const ANTHROPIC = /(^|[./])anthropic\./;
const NOVA = /(^|[./])amazon\.nova-/;

/** The family of a Converse model id. */
export function modelFamilyOf(upstreamModel: string): ConverseModelFamily {
  if (ANTHROPIC.test(upstreamModel)) return 'anthropic';
  if (NOVA.test(upstreamModel)) return 'nova';
  return 'other';
}
