import manifest from '../package.json';

/** This package's version (recorded in every snapshot manifest). */
export const PACKAGE_VERSION: string = manifest.version;
