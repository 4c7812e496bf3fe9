// Entry of the one-file process-worker bundle (executors/worker-bundle.ts); process-worker.ts is the entry
// when workers run from the sources. bundled-ops is evaluated first, before any batch can arrive.

import './bundled-ops.ts';
import './process-worker.ts';
