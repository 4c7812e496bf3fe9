// Entry of the one-file process-worker bundle (executors/worker-bundle.ts): the op registrations first,
// then the worker itself; process-worker.ts is the entry when workers run from the sources.

import './bundled-ops.ts';
import './process-worker.ts';
