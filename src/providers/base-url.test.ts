import { describe, expect, it } from 'vitest';
import { splitBaseUrl } from './base-url.js';

describe('splitBaseUrl', () => {
  it.each([
    ['https://api.example', { origin: 'https://api.example', basePath: '' }],
    ['https://api.example/', { origin: 'https://api.example', basePath: '' }],
    ['https://api.example/v1', { origin: 'https://api.example', basePath: '/v1' }],
    ['https://api.example/v1///', { origin: 'https://api.example', basePath: '/v1' }],
    ['http://127.0.0.1:4000/proxy/v1/', { origin: 'http://127.0.0.1:4000', basePath: '/proxy/v1' }],
    // A query is no part of the path: the slashes before it are dropped too.
    ['https://api.example/v1//?x=1', { origin: 'https://api.example', basePath: '/v1' }],
  ])('splits %s', (baseUrl, expected) => {
    expect(splitBaseUrl(baseUrl)).toStrictEqual(expected);
  });
});
