import { describe, expect, it } from 'vitest';
import { splitGoogleBaseUrl } from './api-base-url.js';

describe('splitGoogleBaseUrl', () => {
  it.each([
    ['https://us-east5-aiplatform.googleapis.com', 'https://us-east5-aiplatform.googleapis.com', ''],
    ['https://us-east5-aiplatform.googleapis.com/v1', 'https://us-east5-aiplatform.googleapis.com', ''],
    ['http://127.0.0.1:8080/hosts/vx/', 'http://127.0.0.1:8080', '/hosts/vx'],
    ['http://127.0.0.1:8080/hosts/vx/v1/', 'http://127.0.0.1:8080', '/hosts/vx'],
    // Only the whole last segment is the version: `/v10` and `/api-v1` are paths of their own.
    ['http://127.0.0.1:8080/v10', 'http://127.0.0.1:8080', '/v10'],
    ['http://127.0.0.1:8080/api-v1', 'http://127.0.0.1:8080', '/api-v1'],
  ])('splits %s into origin and a path without the API version', (baseUrl, origin, basePath) => {
    expect(splitGoogleBaseUrl(baseUrl, 'v1')).toEqual({ origin, basePath });
  });
});
