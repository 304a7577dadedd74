export { MIGRATIONS } from './migrations.js';
export { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type * from './types.js';
export { STATUS_SEVERITY } from './types.js';
