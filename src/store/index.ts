export { MIGRATIONS } from './migrations.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type * from './types.js';
export { STATUS_SEVERITY } from './types.js';
