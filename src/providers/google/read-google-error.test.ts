import { describe, expect, it } from 'vitest';
import type { FailureClass } from '../../core/index.js';
import { classifyHttpFailure } from '../classify-failure.js';
import { GOOGLE_ERROR_CLASSES } from './google-error-classes.js';
import { readGoogleErrorDetails } from './read-google-error.js';

function googleError(code: number, status: string, message: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details === undefined ? {} : { details }) } };
}

function errorInfo(reason: string) {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' };
}

describe('readGoogleErrorDetails', () => {
  it('takes the RPC status as type, the ErrorInfo reason as code, and the message', () => {
    const body = googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      errorInfo('API_KEY_INVALID'),
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'x' },
    ]);

    expect(readGoogleErrorDetails(body, JSON.stringify(body))).toEqual({
      type: 'INVALID_ARGUMENT',
      code: 'API_KEY_INVALID',
      message: 'API key not valid. Please pass a valid API key.',
    });
  });

  it('reads a body that Vertex wrapped in a one-element array', () => {
    const body = [googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for aiplatform.googleapis.com')];

    expect(readGoogleErrorDetails(body, JSON.stringify(body))).toEqual({
      type: 'RESOURCE_EXHAUSTED',
      message: 'Quota exceeded for aiplatform.googleapis.com',
    });
  });

  it('takes a RetryInfo delay as the advised wait', () => {
    const body = googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' },
    ]);

    expect(readGoogleErrorDetails(body, '').retryAfterMs).toBe(37_000);
    expect(
      readGoogleErrorDetails(googleError(429, 'RESOURCE_EXHAUSTED', 'm', [{ retryDelay: '1.5s' }]), '')
        .retryAfterMs,
    ).toBe(1500);
  });

  it.each([
    ['0s', 0],
    ['12s', 12_000],
    ['1.25s', 1250],
    ['0.0015s', 2],
  ])('reads a RetryInfo delay of %s as %i ms', (retryDelay, ms) => {
    const body = googleError(429, 'RESOURCE_EXHAUSTED', 'm', [{ retryDelay }]);

    expect(readGoogleErrorDetails(body, '').retryAfterMs).toBe(ms);
  });

  it.each([
    ['a delay with text before it', 'x37s'],
    ['a delay with text after it', '37sec'],
    ['a delay with a space after it', '37s '],
    ['a delay without its unit', '37'],
    ['a delay with a comma for the point', '1,5s'],
    ['a delay with another character for the point', '1x5s'],
    ['a delay in minutes', '2m'],
    ['a delay that is a number', 37],
    ['a delay that is a list', ['37s']],
  ])('leaves the advised wait out for %s', (_what, retryDelay) => {
    const body = googleError(429, 'RESOURCE_EXHAUSTED', 'm', [{ retryDelay }]);

    expect(readGoogleErrorDetails(body, '')).toStrictEqual({ type: 'RESOURCE_EXHAUSTED', message: 'm' });
  });

  it('takes the first RetryInfo delay when there are several', () => {
    const body = googleError(429, 'RESOURCE_EXHAUSTED', 'm', [
      { retryDelay: 'soon' },
      { retryDelay: '3s' },
      { retryDelay: '9s' },
    ]);

    expect(readGoogleErrorDetails(body, '').retryAfterMs).toBe(3000);
  });

  it('reads details that are not a list as none', () => {
    const body = {
      error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'm', details: { retryDelay: '5s' } },
    };

    expect(readGoogleErrorDetails(body, '')).toStrictEqual({ type: 'RESOURCE_EXHAUSTED', message: 'm' });
  });

  it('marks billing in any letter case, and keeps a reason Google gave of its own', () => {
    const capital = googleError(400, 'FAILED_PRECONDITION', 'Billing is not enabled for this project.');
    const reasoned = googleError(400, 'FAILED_PRECONDITION', 'Enable billing for this project.', [
      errorInfo('BILLING_NOT_ENABLED'),
    ]);

    expect(readGoogleErrorDetails(capital, '').code).toBe('BILLING_DISABLED');
    expect(readGoogleErrorDetails(reasoned, '').code).toBe('BILLING_NOT_ENABLED');
  });

  it('marks a FAILED_PRECONDITION that asks to enable billing, and no other', () => {
    const billing = googleError(
      400,
      'FAILED_PRECONDITION',
      'Gemini API free tier is not available in your country. Please enable billing on your project in Google AI Studio.',
    );
    const region = googleError(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.');

    expect(readGoogleErrorDetails(billing, '').code).toBe('BILLING_DISABLED');
    expect(readGoogleErrorDetails(region, '').code).toBeUndefined();
    expect(
      readGoogleErrorDetails(googleError(400, 'INVALID_ARGUMENT', 'billing field is wrong'), '').code,
    ).toBeUndefined();
  });

  it('lends the start of a body that is not Google-shaped as the message', () => {
    expect(readGoogleErrorDetails(undefined, '<html>502 Bad Gateway</html>')).toEqual({
      message: '<html>502 Bad Gateway</html>',
    });
    expect(readGoogleErrorDetails({ error: 'invalid_grant' }, '{"error":"invalid_grant"}')).toEqual({
      message: '{"error":"invalid_grant"}',
    });
    expect(readGoogleErrorDetails(undefined, '')).toEqual({ message: undefined });
    expect(readGoogleErrorDetails(undefined, 'x'.repeat(300)).message).toHaveLength(200);
  });

  it.each([
    ['a null error', { error: null }],
    ['an empty status and no code', { error: { status: '', message: 'm' } }],
    ['a status that is not a string', { error: { status: 7, message: 'm' } }],
    ['a code that is not a number', { error: { code: '404', message: 'm' } }],
    ['an anthropic-shaped error', { type: 'error', error: { type: 'overloaded_error', message: 'm' } }],
  ])('reads a body with %s as not Google-shaped', (_label, parsed) => {
    const text = JSON.stringify(parsed);
    expect(readGoogleErrorDetails(parsed, text)).toStrictEqual({ message: text });
  });

  it('takes a body with the status name alone, or the numeric code alone, as Google-shaped', () => {
    expect(
      readGoogleErrorDetails({ error: { status: 'NOT_FOUND', message: 'no model' } }, 'raw'),
    ).toMatchObject({
      type: 'NOT_FOUND',
      message: 'no model',
    });
    expect(readGoogleErrorDetails({ error: { code: 404, message: 'no model' } }, 'raw').message).toBe(
      'no model',
    );
    expect(readGoogleErrorDetails([{ error: { code: 404, message: 'wrapped' } }], 'raw').message).toBe(
      'wrapped',
    );
  });
});

describe('GOOGLE_ERROR_CLASSES', () => {
  const cases: ReadonlyArray<readonly [string, number, unknown, FailureClass]> = [
    [
      '429 RESOURCE_EXHAUSTED',
      429,
      googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted'),
      'rate_limited',
    ],
    [
      '503 UNAVAILABLE (model overloaded)',
      503,
      googleError(503, 'UNAVAILABLE', 'The model is overloaded.'),
      'overloaded',
    ],
    ['504 DEADLINE_EXCEEDED', 504, googleError(504, 'DEADLINE_EXCEEDED', 'Deadline expired'), 'timeout'],
    [
      '401 UNAUTHENTICATED',
      401,
      googleError(401, 'UNAUTHENTICATED', 'invalid credentials', [errorInfo('ACCESS_TOKEN_EXPIRED')]),
      'auth',
    ],
    [
      '403 PERMISSION_DENIED',
      403,
      googleError(403, 'PERMISSION_DENIED', 'denied', [errorInfo('IAM_PERMISSION_DENIED')]),
      'auth',
    ],
    [
      '400 API_KEY_INVALID',
      400,
      googleError(400, 'INVALID_ARGUMENT', 'API key not valid', [errorInfo('API_KEY_INVALID')]),
      'auth',
    ],
    ['404 NOT_FOUND', 404, googleError(404, 'NOT_FOUND', 'models/nope is not found'), 'not_found'],
    [
      '400 INVALID_ARGUMENT',
      400,
      googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'),
      'client_error',
    ],
    [
      '400 FAILED_PRECONDITION',
      400,
      googleError(400, 'FAILED_PRECONDITION', 'User location is not supported'),
      'client_error',
    ],
    [
      '400 FAILED_PRECONDITION, billing',
      400,
      googleError(400, 'FAILED_PRECONDITION', 'Please enable billing on your project.'),
      'quota',
    ],
    [
      '403 BILLING_DISABLED reason',
      403,
      googleError(403, 'PERMISSION_DENIED', 'This API method requires billing to be enabled.', [
        errorInfo('BILLING_DISABLED'),
      ]),
      'quota',
    ],
    ['500 INTERNAL', 500, googleError(500, 'INTERNAL', 'Internal error encountered.'), 'server_error'],
    // A status name that says client error must not turn a 5xx into one.
    ['500 with INVALID_ARGUMENT', 500, googleError(500, 'INVALID_ARGUMENT', 'odd'), 'server_error'],
    ['502 HTML from a proxy', 502, undefined, 'server_error'],
  ];

  it.each(cases)('classifies %s as DESIGN.md section 6 says', (_name, status, body, expected) => {
    const error = classifyHttpFailure({
      vendorErrorClasses: GOOGLE_ERROR_CLASSES,
      status,
      headers: {},
      details: readGoogleErrorDetails(
        body,
        body === undefined ? '<html>bad gateway</html>' : JSON.stringify(body),
      ),
      provider: 'gem',
      deployment: 'gem/gemini-2.5-flash',
      now: 0,
    });
    expect(error.failureClass).toBe(expected);
  });

  it.each([
    ['RESOURCE_EXHAUSTED', 418, 'rate_limited'],
    ['UNAVAILABLE', 418, 'overloaded'],
    ['DEADLINE_EXCEEDED', 418, 'timeout'],
    ['UNAUTHENTICATED', 418, 'auth'],
    ['PERMISSION_DENIED', 418, 'auth'],
    ['NOT_FOUND', 418, 'not_found'],
    ['INVALID_ARGUMENT', 401, 'client_error'],
    ['FAILED_PRECONDITION', 401, 'client_error'],
    ['OUT_OF_RANGE', 401, 'client_error'],
    ['INTERNAL', 418, 'server_error'],
    ['UNKNOWN', 418, 'server_error'],
  ])(
    'classifies the status name %s by the table, whatever HTTP %i alone would say',
    (status, http, expected) => {
      const error = classifyHttpFailure({
        vendorErrorClasses: GOOGLE_ERROR_CLASSES,
        status: http,
        headers: {},
        details: readGoogleErrorDetails(googleError(http, status, 'm'), ''),
        provider: 'gem',
        deployment: 'gem/m',
        now: 0,
      });
      expect(error.failureClass).toBe(expected);
    },
  );

  it.each([
    ['API_KEY_INVALID', 'auth'],
    ['BILLING_DISABLED', 'quota'],
  ])('classifies the reason %s by the table', (reason, expected) => {
    expect(GOOGLE_ERROR_CLASSES[reason]).toBe(expected);
  });

  it('cools a rate-limited deployment down for the RetryInfo delay when no header says otherwise', () => {
    const body = googleError(429, 'RESOURCE_EXHAUSTED', 'quota', [{ retryDelay: '20s' }]);
    const classify = (headers: Record<string, string>) =>
      classifyHttpFailure({
        vendorErrorClasses: GOOGLE_ERROR_CLASSES,
        status: 429,
        headers,
        details: readGoogleErrorDetails(body, ''),
        provider: 'gem',
        deployment: 'gem/m',
        now: 0,
      });

    expect(classify({}).retryAfterMs).toBe(20_000);
    expect(classify({ 'retry-after': '3' }).retryAfterMs).toBe(3000);
  });

  it('never echoes an auth message, which may quote the key', () => {
    const error = classifyHttpFailure({
      vendorErrorClasses: GOOGLE_ERROR_CLASSES,
      status: 400,
      headers: {},
      details: readGoogleErrorDetails(
        googleError(400, 'INVALID_ARGUMENT', 'API key not valid: AIzaSECRET', [errorInfo('API_KEY_INVALID')]),
        '',
      ),
      provider: 'gem',
      deployment: 'gem/m',
      now: 0,
    });
    expect(error.message).toBe('upstream credentials rejected by provider "gem" (HTTP 400)');
    expect(JSON.stringify(error.toJSON())).not.toContain('AIzaSECRET');
  });
});
