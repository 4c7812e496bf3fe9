// Used only when tessera runs from its TypeScript sources (tests, benchmarks under tsx): worker threads
// do not inherit tsx's loader, so register it here before importing the .ts worker. The built package
// points piscina at thread-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
globalThis[Symbol.for('tessera.tsx-registered')] = true; // see typescript-in-workers.ts
const mod = await import('./thread-worker.ts');
export default mod.default;
