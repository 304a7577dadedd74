import { describe, expect, it } from 'vitest';
import { anthropicWire } from './anthropic-wire.js';
import { azureWire } from './azure-wire.js';
import { geminiApiWire, vertexGeminiWire } from './gemini-wire.js';
import { matchHostRoute, patternRoute } from './host-routes.js';
import { openaiWire } from './openai-wire.js';
import { vertexAnthropicWire } from './vertex-anthropic-wire.js';

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

describe('matchHostRoute for Google and Azure', () => {
  const vertexPath = '/hosts/v/v1/projects/p/locations/global/publishers';

  it('routes the Gemini API by method, the model from the path', () => {
    expect(matchHostRoute('/hosts/g/v1beta/models/gemini-x:generateContent')?.route).toMatchObject({
      endpoint: 'chat',
      wire: geminiApiWire,
      model: 'gemini-x',
      stream: false,
    });
    expect(
      matchHostRoute('/hosts/g/v1beta/models/gemini-x:streamGenerateContent?alt=sse')?.route,
    ).toMatchObject({ stream: true });
    expect(matchHostRoute('/hosts/g/v1beta/models/gemini-x:embedContent')).toBeUndefined();
  });

  it('routes Vertex by publisher and method, and only the pairs Vertex serves', () => {
    expect(
      matchHostRoute(`${vertexPath}/anthropic/models/claude-sonnet-4@20250514:streamRawPredict`)?.route,
    ).toMatchObject({ wire: vertexAnthropicWire, model: 'claude-sonnet-4@20250514', stream: true });
    expect(matchHostRoute(`${vertexPath}/anthropic/models/count-tokens:rawPredict`)?.route).toMatchObject({
      endpoint: 'count_tokens',
      wire: vertexAnthropicWire,
    });
    expect(
      matchHostRoute(
        '/hosts/v/v1beta1/projects/p/locations/us-central1/publishers/google/models/g:generateContent',
      )?.route,
    ).toMatchObject({ wire: vertexGeminiWire, model: 'g', stream: false });
    expect(matchHostRoute(`${vertexPath}/anthropic/models/claude:generateContent`)).toBeUndefined();
    expect(matchHostRoute(`${vertexPath}/google/models/gemini:rawPredict`)).toBeUndefined();
  });

  it('routes Azure deployments only with an api-version, and the v1 endpoint without', () => {
    expect(
      matchHostRoute('/hosts/a/openai/deployments/prod/chat/completions?api-version=2024-10-21')?.route,
    ).toMatchObject({ wire: azureWire, model: 'prod' });
    expect(matchHostRoute('/hosts/a/openai/deployments/prod/chat/completions')?.route.endpoint).toBe('other');
    expect(matchHostRoute('/hosts/a/openai/v1/chat/completions')?.route).toMatchObject({ wire: azureWire });
    expect(matchHostRoute('/hosts/a/token')?.route.endpoint).toBe('other');
  });
});
