/**
 * Whether a key's model globs allow a model name: `*` matches any run of characters, `?` one; an
 * empty list allows every model. Matching is on the whole name and case-sensitive, like model names.
 */
export function modelAllowed(globs: readonly string[], model: string): boolean {
  if (globs.length === 0) return true;
  return globs.some((glob) => globToRegExp(glob).test(model));
}

const cache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let compiled = cache.get(glob);
  if (compiled === undefined) {
    const source = glob
      .split('')
      .map((character) => {
        if (character === '*') return '.*';
        if (character === '?') return '.';
        return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    compiled = new RegExp(`^${source}$`, 's');
    // Globs come from a bounded set of keys; the cap keeps a key churn from growing it forever.
    if (cache.size > 10_000) cache.clear();
    cache.set(glob, compiled);
  }
  return compiled;
}
