// Packages the readers need only on some paths, loaded on first use. Every worker loads the whole worker
// bundle, and with it whatever the bundle imports statically: papaparse (~15-40 ms per thread) served only
// CSV sniffing, schema inference and the fallback parser, and tinyglobby only the listing of a reader's
// inputs (done on the calling thread). Both are CommonJS-loadable and hold no state of ours, so the
// require()d copy is interchangeable with an imported one.

import { createRequire } from 'node:module';

const requirePackage = createRequire(import.meta.url);

let papaparse: typeof import('papaparse') | undefined;
export const papa = (): typeof import('papaparse') => (papaparse ??= requirePackage('papaparse') as typeof import('papaparse'));

let globber: typeof import('tinyglobby') | undefined;
export const tinyglobby = (): typeof import('tinyglobby') => (globber ??= requirePackage('tinyglobby') as typeof import('tinyglobby'));
