import { describe, expect, it } from 'vitest';
import { anthropicWire } from './anthropic-wire.js';
import { matchHostRoute, patternRoute } from './host-routes.js';
import { openaiWire } from './openai-wire.js';

describe('matchHostRoute', () => {
  it('finds the host, the raw path, the wire and the query', () => {
    const matched = matchHostRoute('/hosts/eu%20one/v1/messages?beta=true');
    expect(matched?.host).toBe('eu one');
    expect(matched?.path).toBe('/v1/messages');
    expect(matched?.route).toMatchObject({ endpoint: 'chat', wire: anthropicWire });
    expect(matched?.route.endpoint !== 'other' && matched?.route.query.get('beta')).toBe('true');
    expect(matchHostRoute('/hosts/x/v1/chat/completions')?.route).toMatchObject({ wire: openaiWire });
    expect(matchHostRoute('/hosts/x/v1/messages/count_tokens')?.route.endpoint).toBe('count_tokens');
  });

  it('matches nothing outside the table', () => {
    expect(matchHostRoute('/hosts/x/v1/nothing')).toBeUndefined();
    expect(matchHostRoute('/v1/messages')).toBeUndefined();
    expect(matchHostRoute('/hosts/x')).toBeUndefined();
  });
});

describe('patternRoute', () => {
  const route = patternRoute(/^\/model\/([^/]+)\/invoke$/, ([model], query) => ({
    endpoint: 'chat',
    wire: anthropicWire,
    model: model ?? '',
    query,
  }));
  const modelOf = (path: string) => {
    const found = route(path, new URLSearchParams());
    return found?.endpoint === 'chat' ? found.model : undefined;
  };

  it('decodes the groups exactly once', () => {
    expect(modelOf('/model/us.anthropic.claude-v2%3A0/invoke')).toBe('us.anthropic.claude-v2:0');
    expect(modelOf('/model/us.anthropic.claude-v2:0/invoke')).toBe('us.anthropic.claude-v2:0');
    expect(modelOf('/model/a%253A0/invoke')).toBe('a%3A0');
  });

  it('does not match a group that does not decode', () => {
    expect(route('/model/bad%E0%A4%A/invoke', new URLSearchParams())).toBeUndefined();
    expect(route('/model/x/converse', new URLSearchParams())).toBeUndefined();
  });
});
