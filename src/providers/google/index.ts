export { splitGoogleBaseUrl } from './api-base-url.js';
export { encodeBodyWithout } from './encode-google-body.js';
export { GOOGLE_ERROR_CLASSES } from './google-error-classes.js';
export { googleErrorObject, readGoogleErrorDetails } from './read-google-error.js';
export { readServiceAccountFile } from './read-service-account-file.js';
export {
  CLOUD_PLATFORM_SCOPE,
  createServiceAccountClient,
  fetchHonouringTokenUri,
  GOOGLE_TOKEN_URL,
  type ServiceAccountClientOptions,
  type ServiceAccountKey,
} from './service-account-client.js';
export { ServiceAccountTokenSource, type TokenSourceOptions } from './service-account-token-source.js';
