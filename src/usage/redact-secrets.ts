/**
 * Masks what looks like a credential before a body is stored. Headers are never stored at all;
 * this covers keys pasted into prompts or sent in body fields. Patterns are the vendors' published
 * key shapes; a field whose name says it holds a secret is masked whatever its value looks like.
 */

const MASK = '[redacted]';

const SECRET_PATTERNS: readonly RegExp[] = [
  // OpenAI (`sk-`, `sk-proj-`) and Anthropic (`sk-ant-`) keys.
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  // AWS access key ids (long-term `AKIA`, temporary `ASIA`).
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  // Google API keys.
  /\bAIza[0-9A-Za-z_-]{35}/g,
  // Detour client keys (DESIGN.md section 8).
  /\bdtr_[0-9A-Za-z]{20,}/g,
  // GitHub and Slack tokens.
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  // JSON Web Tokens (OAuth access tokens, service-account assertions).
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // A bearer credential written out.
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi,
  // PEM private keys (a service-account JSON pasted whole).
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** Field names whose values are secrets whatever they look like. */
const SECRET_FIELD =
  /^(?:authorization|api[-_]?key|x-api-key|password|passwd|secret|client[-_]?secret|access[-_]?token|refresh[-_]?token|private[-_]?key|secret[-_]?access[-_]?key|session[-_]?token)$/i;

/** Masks every credential-looking substring of a text. */
export function redactText(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, MASK);
  return result;
}

/** A deep copy of a JSON value with secret fields and credential-looking strings masked. */
export function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactJson);
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) {
      copy[name] = SECRET_FIELD.test(name) && field !== null && field !== '' ? MASK : redactJson(field);
    }
    return copy;
  }
  return value;
}

/** A stored body is cut at this many characters (images in base64 would otherwise fill the log). */
export const BODY_LIMIT = 65_536;

/**
 * Cuts a body to {@link BODY_LIMIT}, saying how much was left out. `notKept` counts characters
 * the caller already left out after `text` (a long stream stops collecting past the limit).
 */
export function capBody(text: string, notKept = 0): string {
  const more = Math.max(0, text.length - BODY_LIMIT) + notKept;
  if (more === 0) return text;
  return `${text.slice(0, BODY_LIMIT)}…[${more} more characters not stored]`;
}
