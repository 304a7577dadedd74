import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, pass } from './read-answer.js';

/** The answer says yes or no, and that is the truth about whether `n` is prime. */
export const primeSpecSchema = z.object({
  kind: z.literal('prime'),
  n: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** A `prime` grader. */
export type PrimeSpec = z.infer<typeof primeSpecSchema>;

/** Whether `value` is prime, by trial division (canary numbers are small). */
export function isPrime(value: number): boolean {
  if (value < 2) return false;
  if (value % 2 === 0) return value === 2;
  for (let divisor = 3; divisor * divisor <= value; divisor += 2) if (value % divisor === 0) return false;
  return true;
}

/**
 * Grades a yes/no answer on primality. The truth is computed here, not read from the suite, so a
 * typo in a suite file cannot turn a right answer into a failure.
 */
export function gradePrime(spec: PrimeSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  const words = new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);
  const yes = words.has('yes');
  const no = words.has('no');
  if (yes === no) return fail(`expected yes or no, got ${excerpt(text)}`);
  const truth = isPrime(spec.n);
  return yes === truth
    ? pass(`${spec.n} is ${truth ? '' : 'not '}prime`)
    : fail(`${spec.n} is ${truth ? '' : 'not '}prime, answered ${yes ? 'yes' : 'no'}`);
}
