import { describe, expect, it } from 'vitest';
import { DEFAULT_AZURE_API_VERSION, isAzureV1BaseUrl, resolveAzureEndpoint } from './azure-endpoint.js';

describe('resolveAzureEndpoint', () => {
  it('puts the deployment in the path with the default api-version for a resource URL', () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com', undefined);
    expect(endpoint.style).toBe('deployments');
    expect(endpoint.origin).toBe('https://contoso.openai.azure.com');
    expect(endpoint.chatCompletionsPath('gpt-4o')).toBe(
      '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    );
    expect(DEFAULT_AZURE_API_VERSION).toBe('2024-10-21');
  });

  it('sends the configured api-version', () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com/', '2025-04-01-preview');
    expect(endpoint.chatCompletionsPath('prod-gpt')).toBe(
      '/openai/deployments/prod-gpt/chat/completions?api-version=2025-04-01-preview',
    );
  });

  it('encodes a deployment name so that it cannot change the path or the query', () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com', undefined);
    expect(endpoint.chatCompletionsPath('a/../b?x=1 c')).toBe(
      '/openai/deployments/a%2F..%2Fb%3Fx%3D1%20c/chat/completions?api-version=2024-10-21',
    );
  });

  it('keeps a proxy path in front of the deployment URLs', () => {
    const endpoint = resolveAzureEndpoint('http://127.0.0.1:9000/hosts/az', '2024-10-21');
    expect(endpoint.origin).toBe('http://127.0.0.1:9000');
    expect(endpoint.chatCompletionsPath('d')).toBe(
      '/hosts/az/openai/deployments/d/chat/completions?api-version=2024-10-21',
    );
  });

  it("accepts AzureOpenAI's own baseURL form ({endpoint}/openai) as the same endpoint", () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com/openai', undefined);
    expect(endpoint.chatCompletionsPath('d')).toBe(
      '/openai/deployments/d/chat/completions?api-version=2024-10-21',
    );
  });

  it('uses the v1 endpoint, with no api-version, for a base ending in /openai/v1', () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com/openai/v1/', undefined);
    expect(endpoint.style).toBe('v1');
    expect(endpoint.chatCompletionsPath('gpt-4o')).toBe('/openai/v1/chat/completions');
    expect(endpoint.display).toBe('https://contoso.openai.azure.com/openai/v1/chat/completions');
  });

  it('refuses an api-version on the v1 endpoint', () => {
    expect(() => resolveAzureEndpoint('https://contoso.openai.azure.com/openai/v1', '2024-10-21')).toThrow(
      /apiVersion does not apply to the Azure OpenAI v1 endpoint/,
    );
  });

  it('encodes the api-version so that it cannot add to the query', () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com', '2025-01-01 x&y=1');
    expect(endpoint.chatCompletionsPath('d')).toBe(
      '/openai/deployments/d/chat/completions?api-version=2025-01-01%20x%26y%3D1',
    );
  });

  it('drops /openai only at the end of the base path', () => {
    const endpoint = resolveAzureEndpoint('http://127.0.0.1:9000/openai/gateway', undefined);
    expect(endpoint.chatCompletionsPath('d')).toBe(
      '/openai/gateway/openai/deployments/d/chat/completions?api-version=2024-10-21',
    );
  });

  it('takes /openai/v1 for the v1 endpoint only at the end of the base path', () => {
    const endpoint = resolveAzureEndpoint('http://127.0.0.1:9000/openai/v1/tenant', '2024-10-21');
    expect(endpoint.style).toBe('deployments');
    expect(endpoint.chatCompletionsPath('d')).toBe(
      '/openai/v1/tenant/openai/deployments/d/chat/completions?api-version=2024-10-21',
    );
  });

  it('shows the deployment URL shape for logs, with a placeholder for the deployment', () => {
    const endpoint = resolveAzureEndpoint('https://contoso.openai.azure.com', undefined);
    expect(endpoint.display).toBe(
      'https://contoso.openai.azure.com/openai/deployments/{deployment}/chat/completions?api-version=2024-10-21',
    );
  });
});

describe('isAzureV1BaseUrl', () => {
  it('tells the v1 endpoint from a resource URL', () => {
    expect(isAzureV1BaseUrl('https://contoso.openai.azure.com/openai/v1')).toBe(true);
    expect(isAzureV1BaseUrl('https://contoso.openai.azure.com/openai/v1/')).toBe(true);
    expect(isAzureV1BaseUrl('https://contoso.openai.azure.com')).toBe(false);
    expect(isAzureV1BaseUrl('https://contoso.openai.azure.com/openai')).toBe(false);
    expect(isAzureV1BaseUrl('https://proxy.example/v1')).toBe(false);
    expect(isAzureV1BaseUrl('https://proxy.example/openai/v1/tenant')).toBe(false);
  });
});
