/** One step of a property path: an object key, or an array index. */
export type PathSegment = string | number;

/** A value wrapped by {@link recordReads}, and the paths read through it. */
export interface ReadRecorder<T extends object> {
  /** The wrapped value: behaves like the original, and records what is read through it. */
  value: T;
  /** Every path read by name, as segment lists. */
  readonly paths: PathSegment[][];
}

/**
 * Wraps a plain data tree (a parsed config) in proxies that record every property read *by name*:
 * `config.server.port`, `'adminKey' in server`, an array's elements. Reads that only copy or
 * serialise a whole object — spreads, `Object.assign`, `Object.entries`/`values`,
 * `JSON.stringify`, key-by-key walks such as deep comparisons — are not counted: the engine asks
 * for a key's descriptor just before reading it, and a read that follows its own descriptor
 * request is a bulk copy, not code that uses that key. The values under a bulk read are still
 * wrapped, so keys read by name further down are recorded.
 */
export function recordReads<T extends object>(root: T): ReadRecorder<T> {
  const paths: PathSegment[][] = [];
  const proxies = new WeakMap<object, object>();

  const wrap = (target: object, path: PathSegment[]): object => {
    const existing = proxies.get(target);
    if (existing !== undefined) return existing;
    // Keys whose descriptor was asked for and that have not been read since: their next read is bulk.
    const described = new Set<string>();
    const segment = (key: string): PathSegment =>
      Array.isArray(target) && /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key;
    const proxy = new Proxy(target, {
      get(object, key, receiver) {
        const value: unknown = Reflect.get(object, key, receiver);
        if (typeof key === 'symbol') return value;
        const childPath = [...path, segment(key)];
        if (described.has(key)) described.delete(key);
        else paths.push(childPath);
        return typeof value === 'object' && value !== null ? wrap(value, childPath) : value;
      },
      has(object, key) {
        if (typeof key === 'string') paths.push([...path, segment(key)]);
        return Reflect.has(object, key);
      },
      getOwnPropertyDescriptor(object, key) {
        if (typeof key === 'string') described.add(key);
        return Reflect.getOwnPropertyDescriptor(object, key);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };

  return { value: wrap(root, []) as T, paths };
}
