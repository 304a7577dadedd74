import type { ImageSource } from '../../core/index.js';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** Reads an `image_url.url`: a base64 `data:` URL becomes inline bytes, anything else stays a URL. */
export function decodeImageUrl(url: string): ImageSource {
  const match = DATA_URL.exec(url);
  if (match !== null) return { type: 'base64', mediaType: match[1]!, data: match[2]! };
  return { type: 'url', url };
}

/** Writes an image source as an `image_url.url` (inline bytes become a `data:` URL). */
export function encodeImageUrl(source: ImageSource): string {
  return source.type === 'base64' ? `data:${source.mediaType};base64,${source.data}` : source.url;
}
