export { validateEntryName } from './entry-name.js';
export type { AddFileOptions, ZipPackagerOptions } from './zip-packager.js';
export { ZipPackager } from './zip-packager.js';
