/** A configured base URL split into the origin the transport dials and the path prefix of every call. */
export interface BaseUrl {
  /** Scheme, host and port. */
  origin: string;
  /** Path prefix without a trailing slash (`/v1`, or empty). */
  basePath: string;
}

/** Splits a base URL; trailing slashes are dropped so paths join with exactly one `/`. */
export function splitBaseUrl(baseUrl: string): BaseUrl {
  const url = new URL(baseUrl.replace(/\/+$/, ''));
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}
