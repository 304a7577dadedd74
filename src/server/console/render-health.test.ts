import { describe, expect, it } from 'vitest';
import { qualityText } from './render-health.js';

describe('the console health page quality column', () => {
  it('shows the canaries verdict with the recent pass rate, or a dash without canaries', () => {
    expect(qualityText(undefined)).toEqual({ text: '–', tone: 'muted' });
    expect(qualityText({ phase: 'learning', graded: 0, passed: 0 })).toEqual({
      text: 'Learning',
      tone: 'muted',
    });
    expect(qualityText({ phase: 'healthy', graded: 100, passed: 98 })).toEqual({
      text: 'Canaries pass · 98% of 100',
      tone: 'ok',
    });
    expect(qualityText({ phase: 'suspect', graded: 40, passed: 29 })).toEqual({
      text: 'Suspect · 73% of 40',
      tone: 'warn',
    });
    expect(qualityText({ phase: 'alarm', graded: 40, passed: 24 })).toEqual({
      text: 'Answers degraded · 60% of 40',
      tone: 'bad',
    });
  });
});
