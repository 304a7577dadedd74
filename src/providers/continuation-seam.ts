import { DetourError } from '../core/index.js';

/** How a continuation reaches the text the client already has. */
export type SeamMode =
  /** The host was given the text as a prefill and writes only what follows it. */
  | 'prefill'
  /** The host was sent the original request and writes the whole answer again; only what goes beyond the client's text is new. */
  | 'replay';

/** Shortest restatement of the prefill's end that is trimmed from a continuation: shorter overlaps are as likely to be real text. */
const MIN_RESTATED = 12;
/** How much of a prefilled continuation is held back to look for a restatement. */
const RESTATEMENT_WINDOW = 64;

/**
 * Joins a continuation to the text a client already received, so the client reads one answer with
 * no text repeated and none lost (DESIGN.md section 6, "Streams that break after content").
 *
 * - `prefill`: the host continues from `prefill` (the client's text without its trailing
 *   whitespace, which Anthropic refuses in a prefill). The whitespace the client already has is
 *   not sent again, and a continuation that begins by restating the end of the text (at least
 *   12 characters of it) has the restatement cut.
 * - `replay`: the host writes the answer from the start; its text is held back until it is as long
 *   as the client's, and continues only if it begins with exactly that text. Anything else throws:
 *   text that does not match is never spliced.
 */
export class ContinuationSeam {
  private held = '';
  private joined = false;
  private readonly skip: string;

  constructor(
    /** The text the client has. */
    private readonly sent: string,
    private readonly mode: SeamMode,
  ) {
    this.skip = mode === 'prefill' ? sent.slice(sent.trimEnd().length) : '';
  }

  /** The text a client is to get for this piece of the continuation ('' while it is held back). */
  accept(text: string): string {
    if (this.joined) return text;
    this.held += text;
    return this.mode === 'replay' ? this.acceptReplay(false) : this.acceptPrefill(false);
  }

  /** The continuation finished: what is still held back. @throws when a replay fell short of the client's text. */
  finish(): string {
    if (this.joined) return '';
    return this.mode === 'replay' ? this.acceptReplay(true) : this.acceptPrefill(true);
  }

  private acceptReplay(ended: boolean): string {
    const sent = this.sent;
    if (!sent.startsWith(this.held.slice(0, sent.length)) || (ended && this.held.length < sent.length)) {
      throw mismatch();
    }
    if (this.held.length < sent.length) return '';
    this.joined = true;
    return this.held.slice(sent.length);
  }

  private acceptPrefill(ended: boolean): string {
    let text = this.held;
    // The whitespace that ended the client's text was left out of the prefill; the host usually
    // begins with it again.
    const skip = this.skip;
    if (skip !== '' && text.length < skip.length && skip.startsWith(text)) {
      // Only part of that whitespace so far: held back; and if the host ends there, all of it was
      // whitespace the client already has.
      if (!ended) return '';
      text = '';
    }
    if (skip !== '' && text.startsWith(skip)) text = text.slice(skip.length);
    if (text.length < RESTATEMENT_WINDOW && !ended) return '';
    this.joined = true;
    const words = text.trimStart();
    const cut = restated(this.sent.trimEnd(), words);
    return cut === 0 ? text : words.slice(cut);
  }
}

/** How many characters at the start of `next` restate the end of `before` (0 under the minimum). */
function restated(before: string, next: string): number {
  for (let length = Math.min(before.length, next.length); length >= MIN_RESTATED; length -= 1) {
    if (before.endsWith(next.slice(0, length))) return length;
  }
  return 0;
}

function mismatch(): DetourError {
  return new DetourError(
    'upstream_bad_response',
    'bad_response',
    'the replayed answer did not begin with the text already sent, so it was not continued',
  );
}
