/**
 * The small tasks quality canaries ask (arithmetic, primality, word and list counts, casing, exact
 * repetition, a fact planted in a long text), recognised by the shape of the prompt and answered
 * correctly — or, for the `wrong_answer` fault, well-formed but wrong, the way a degraded model
 * answers. Anything else is not a task: undefined, and the simulator answers as before.
 */

const WORDS = (
  'river mountain signal garden lantern harbor meadow orbit quiet steady bright careful simple clear ' +
  'quick patient'
).split(' ');

const ARITHMETIC = /\bWhat is (-?\d+) ?([+*/×-]) ?(-?\d+)\?/i;
const PRIME = /\bIs (\d+) a prime number\?/i;
const WORD_COUNT = /\bWrite exactly (\d+) words\b/i;
const CASING = /\bReply in (uppercase|lowercase)(?: only)?:\s*([\s\S]+)$/i;
const REPEAT = /\bRepeat exactly, with nothing else:\s*([\s\S]+)$/i;
const LIST = /\bList exactly (\d+) [^\n]*?one per line/i;
const QUESTION = /\bWhat is the ([a-z][a-z ]{0,40}?)\?[^?]*$/i;

function arithmetic(left: number, operator: string, right: number): number | undefined {
  switch (operator) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
    case '×':
      return left * right;
    case '/':
      return right === 0 || left % right !== 0 ? undefined : left / right;
    default:
      return undefined;
  }
}

function isPrime(value: number): boolean {
  if (value < 2) return false;
  for (let divisor = 2; divisor * divisor <= value; divisor += 1) if (value % divisor === 0) return false;
  return true;
}

/** UTF-8 bytes read as Latin-1: the mojibake (`cafÃ©`) a charset bug leaves. */
function mojibake(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The answer to a fact planted in the text: `What is the access code?` → the X of `The access code is X.` */
function recallFact(text: string, wrong: boolean): string | undefined {
  const question = QUESTION.exec(text);
  if (question?.[1] === undefined) return undefined;
  const fact = new RegExp(`\\bThe ${escapeRegExp(question[1])} is (\\S+?)\\.(?:\\s|$)`, 'i').exec(text);
  if (fact?.[1] === undefined) return undefined;
  return wrong ? `The text does not say what the ${question[1]} is.` : fact[1];
}

/**
 * The answer to a canary-style task in `text` (the last user message), or undefined when the text
 * is not one. Deterministic: the same text always gets the same answer.
 */
export function solveTask(text: string, wrong: boolean): string | undefined {
  const sum = ARITHMETIC.exec(text);
  if (sum !== null) {
    const result = arithmetic(Number(sum[1]), sum[2] ?? '', Number(sum[3]));
    if (result !== undefined) return String(wrong ? result + 1 : result);
  }
  const prime = PRIME.exec(text);
  if (prime !== null) return isPrime(Number(prime[1])) !== wrong ? 'yes' : 'no';
  const words = WORD_COUNT.exec(text);
  if (words !== null) {
    const count = Math.min(200, Number(words[1])) + (wrong ? 1 : 0);
    const sentence = Array.from({ length: count }, (_, index) => WORDS[index % WORDS.length]).join(' ');
    return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  }
  const list = LIST.exec(text);
  if (list !== null) {
    const count = Math.min(50, Number(list[1])) + (wrong ? 1 : 0);
    return Array.from({ length: count }, (_, index) => `${index + 1}. ${WORDS[index % WORDS.length]}`).join(
      '\n',
    );
  }
  const casing = CASING.exec(text);
  if (casing?.[2] !== undefined) {
    const upper = casing[1]?.toLowerCase() === 'uppercase';
    const body = casing[2].trim();
    // Wrong: the opposite casing, as a model that ignored the instruction might.
    return upper !== wrong ? body.toUpperCase() : body.toLowerCase();
  }
  const repeat = REPEAT.exec(text);
  if (repeat?.[1] !== undefined) {
    const body = repeat[1].trim();
    if (!wrong) return body;
    // A charset bug garbles non-ASCII text; plain text comes back with its words out of order.
    return [...body].some((character) => character.charCodeAt(0) > 0x7f)
      ? mojibake(body)
      : body.split(' ').reverse().join(' ');
  }
  return recallFact(text, wrong);
}

/**
 * A value of the same shape with every leaf of another JSON type (strings become numbers, numbers
 * strings, booleans strings): what a model that lost track of the schema returns. It parses, but it
 * fails the schema it was sampled from and any expected argument values.
 */
export function spoilValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(spoilValue);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return { unexpected: true };
    return Object.fromEntries(entries.map(([key, item]) => [key, spoilValue(item)]));
  }
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 0;
}
