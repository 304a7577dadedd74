// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, where ${NAME} is literal
import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './index.js';

describe('interpolateEnv', () => {
  it('replaces variables, uses defaults for unset or empty ones, and keeps $${ literal', () => {
    const env = { HOST: 'h', EMPTY: '' };
    expect(interpolateEnv('http://${HOST}:${PORT:-80}/${EMPTY:-x}', env)).toEqual({
      ok: true,
      value: 'http://h:80/x',
    });
    expect(interpolateEnv('$${HOST} and $$ and $', env)).toEqual({ ok: true, value: '${HOST} and $$ and $' });
    expect(interpolateEnv('${EMPTY}', env)).toEqual({ ok: true, value: '' });
  });

  it('names every missing variable', () => {
    expect(interpolateEnv('${A}-${B}', {})).toEqual({
      ok: false,
      messages: [
        'environment variable A is not set (write ${A:-default} to give a default)',
        'environment variable B is not set (write ${B:-default} to give a default)',
      ],
    });
  });

  it('rejects malformed references', () => {
    expect(interpolateEnv('${1X}', {}).ok).toBe(false);
    expect(interpolateEnv('${OPEN', {}).ok).toBe(false);
  });
});
