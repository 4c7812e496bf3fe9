// Used only when tessera runs from its TypeScript sources: a child process does not get tsx's loader
// from its parent, so register it before importing the .ts entry. Built code starts process-worker.js.
import { register } from 'tsx/esm/api';

register();
globalThis[Symbol.for('tessera.tsx-registered')] = true; // see typescript-in-workers.ts
await import('./process-worker.ts');
