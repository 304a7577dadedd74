import { ownEntry } from '../narrow-json.js';

/** The image formats a Converse `image` block accepts, by MIME type. */
const FORMAT_BY_MEDIA_TYPE: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  // Not a registered type, but clients send it.
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/**
 * The Converse `image.format` for a MIME type, or undefined when Converse cannot take the image.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
 */
export function encodeImageFormat(mediaType: string): string | undefined {
  return ownEntry(FORMAT_BY_MEDIA_TYPE, mediaType.trim().toLowerCase());
}
