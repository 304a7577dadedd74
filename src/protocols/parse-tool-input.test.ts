import { describe, expect, it } from 'vitest';
import { parseToolInput } from './parse-tool-input.js';

describe('parseToolInput', () => {
  it('reads a JSON object as the input and no arguments as an empty object', () => {
    expect(parseToolInput('{"city":"Paris"}')).toStrictEqual({ city: 'Paris' });
    expect(parseToolInput('')).toStrictEqual({});
  });

  it('keeps arguments that are not a JSON object whole under `arguments`', () => {
    for (const text of ['{"city":', 'null', '[1,2]', '"Paris"', '3']) {
      expect(parseToolInput(text)).toStrictEqual({ arguments: text });
    }
  });
});
