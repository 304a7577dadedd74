import { describe, expect, it } from 'vitest';
import { solveTask, spoilValue } from './solve-task.js';

describe('solveTask', () => {
  it('answers arithmetic with the number, and off by one when wrong', () => {
    expect(solveTask('What is 37 * 41? Answer with the number only.', false)).toBe('1517');
    expect(solveTask('What is 37 * 41? Answer with the number only.', true)).toBe('1518');
    expect(solveTask('What is 100 - 58?', false)).toBe('42');
    expect(solveTask('What is 144 / 12?', false)).toBe('12');
  });

  it('answers primality with yes or no, flipped when wrong', () => {
    expect(solveTask('Is 97 a prime number? Answer yes or no.', false)).toBe('yes');
    expect(solveTask('Is 91 a prime number? Answer yes or no.', false)).toBe('no');
    expect(solveTask('Is 97 a prime number? Answer yes or no.', true)).toBe('no');
  });

  it('writes exactly N words, or N + 1 when wrong', () => {
    expect(solveTask('Write exactly 5 words about rivers.', false)?.split(' ')).toHaveLength(5);
    expect(solveTask('Write exactly 5 words about rivers.', true)?.split(' ')).toHaveLength(6);
  });

  it('lists exactly N items one per line, or N + 1 when wrong', () => {
    expect(solveTask('List exactly 3 colours, one per line.', false)?.split('\n')).toHaveLength(3);
    expect(solveTask('List exactly 3 colours, one per line.', true)?.split('\n')).toHaveLength(4);
  });

  it('follows the casing asked for, and the opposite when wrong', () => {
    expect(solveTask('Reply in uppercase: quiet harbor', false)).toBe('QUIET HARBOR');
    expect(solveTask('Reply in uppercase: quiet harbor', true)).toBe('quiet harbor');
    expect(solveTask('Reply in lowercase: Quiet Harbor', false)).toBe('quiet harbor');
  });

  it('repeats text exactly; wrong garbles non-ASCII into mojibake and reorders plain words', () => {
    expect(solveTask('Repeat exactly, with nothing else: café crème', false)).toBe('café crème');
    expect(solveTask('Repeat exactly, with nothing else: café crème', true)).toBe('cafÃ© crÃ¨me');
    expect(solveTask('Repeat exactly, with nothing else: one two', true)).toBe('two one');
  });

  it('recalls a fact planted in a long text', () => {
    const text =
      'Rivers run. The access code is K7-42. Hills rise.\n\nWhat is the access code? Answer with it only.';
    expect(solveTask(text, false)).toBe('K7-42');
    expect(solveTask(text, true)).not.toContain('K7-42');
  });

  it('is undefined for prompts that are not tasks', () => {
    expect(solveTask('Tell me a story', false)).toBeUndefined();
    expect(solveTask('What is the weather in Paris?', false)).toBeUndefined();
  });
});

describe('spoilValue', () => {
  it('gives every leaf another JSON type', () => {
    expect(spoilValue({ city: 'Paris', days: 3, ok: true, tags: ['a'] })).toEqual({
      city: 5,
      days: '3',
      ok: 'true',
      tags: [1],
    });
  });
});
