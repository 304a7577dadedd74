import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeListLength } from './grade-list-length.js';

describe('gradeListLength', () => {
  const spec = { kind: 'list_length', items: 3 } as const;

  it('passes N items numbered, bulleted or plain, a lead-in line and blank lines not counted', () => {
    expect(gradeListLength(spec, textAnswer('1. red\n2. green\n3. blue'))).toEqual({
      pass: true,
      detail: '3 items',
    });
    expect(gradeListLength(spec, textAnswer('Here are three:\n\n- red\n- green\n- blue\n', true)).pass).toBe(
      true,
    );
    expect(gradeListLength(spec, textAnswer('red\ngreen\nblue')).pass).toBe(true);
  });

  it('fails more or fewer items, an empty item and an empty answer', () => {
    expect(gradeListLength(spec, textAnswer('1. red\n2. green\n3. blue\n4. pink'))).toEqual({
      pass: false,
      detail: 'expected 3 items, got 4',
    });
    expect(gradeListLength(spec, textAnswer('red, green, blue')).pass).toBe(false);
    // Regression: a marker with nothing after it was not seen as one, so this said "got 2".
    expect(gradeListLength(spec, textAnswer('1. red\n2.\n3. blue'))).toStrictEqual({
      pass: false,
      detail: 'an empty list item',
    });
    expect(gradeListLength(spec, textAnswer('- red\n-\n- blue')).detail).toBe('an empty list item');
    // A number that starts a plain line is no marker.
    expect(gradeListLength(spec, textAnswer('3.5 kg\n2 eggs\n1 cup')).pass).toBe(true);
    expect(gradeListLength(spec, textAnswer('')).detail).toBe('empty answer');
  });
});

const spec3 = { kind: 'list_length', items: 3 } as const;

describe('gradeListLength edges', () => {
  it('reads indented items after a lead-in, and skips blank lines in a plain list', () => {
    expect(gradeListLength(spec3, textAnswer('Here:\n  1) red\n  * green\n  • blue'))).toStrictEqual({
      pass: true,
      detail: '3 items',
    });
    expect(gradeListLength(spec3, textAnswer('red\n\n \ngreen\nblue'))).toStrictEqual({
      pass: true,
      detail: '3 items',
    });
    expect(gradeListLength({ kind: 'list_length', items: 1 }, textAnswer('one line'))).toStrictEqual({
      pass: true,
      detail: '1 items',
    });
  });
});
