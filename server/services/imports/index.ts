/**
 * CSV import: decode and parse the uploaded bytes, guess the column mapping, validate every row
 * (report before anything is written), then write in batches (the background job).
 */
export * from './decode.js';
export * from './mapping.js';
export * from './validate.js';
export * from './files.js';
export * from './run.js';
