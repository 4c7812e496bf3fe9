// Used only when tessera runs from its TypeScript sources: worker threads do not inherit tsx's loader,
// so register it before importing the .ts job thread. The built package starts job-thread.js directly.
import { register } from 'tsx/esm/api';

register();
globalThis[Symbol.for('tessera.tsx-registered')] = true; // see ../typescript-in-workers.ts
const mod = await import('./job-thread.ts');
export default mod.default;
