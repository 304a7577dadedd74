import type { ImageSource } from '../../core/index.js';
import { ownEntry } from '../narrow-json.js';
import type { GeminiPart } from './types.js';

/**
 * The image types Gemini reads. Others (GIF, which OpenAI and Anthropic take) are refused by the
 * host with a 400, so such a request must not be sent there.
 * @see https://ai.google.dev/gemini-api/docs/image-understanding#supported-formats
 */
const SUPPORTED_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/heic',
  'image/heif',
]);

const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

function normaliseMediaType(mediaType: string): string {
  const lower = mediaType.toLowerCase();
  // A common misspelling clients send; the bytes are JPEG.
  return lower === 'image/jpg' ? 'image/jpeg' : lower;
}

/**
 * The media type of an image URL Gemini can fetch, from its file extension; undefined when Gemini
 * cannot take it. Gemini fetches public `https` URLs through `fileData`, but needs the MIME type
 * (Vertex requires it), and a URL does not say it except through its extension.
 * @see https://ai.google.dev/gemini-api/docs/file-input-methods
 */
export function imageUrlMediaType(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:') return undefined;
  const extension = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : ownEntry(TYPE_BY_EXTENSION, extension);
}

/** True when a Gemini host can read this image as it is. */
export function isGeminiReadableImage(source: ImageSource): boolean {
  return source.type === 'base64'
    ? SUPPORTED_TYPES.has(normaliseMediaType(source.mediaType))
    : imageUrlMediaType(source.url) !== undefined;
}

/** An image as a Gemini part: inline bytes, or a URL the host fetches. */
export function encodeImage(source: ImageSource): GeminiPart {
  if (source.type === 'base64') {
    return { inlineData: { mimeType: normaliseMediaType(source.mediaType), data: source.data } };
  }
  const mimeType = imageUrlMediaType(source.url);
  // Without a type the request is kept off Gemini hosts (find-untranslatable-field.ts); encoding it
  // anyway leaves the type out rather than guess one.
  return { fileData: mimeType === undefined ? { fileUri: source.url } : { mimeType, fileUri: source.url } };
}
