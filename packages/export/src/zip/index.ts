export { ZipPackager } from './zip-packager.js';
export type { ZipPackagerOptions, AddFileOptions } from './zip-packager.js';
export { validateEntryName } from './entry-name.js';
