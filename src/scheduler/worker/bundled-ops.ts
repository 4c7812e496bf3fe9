// Imported first by the bundle entry (thread-worker-bundle.ts): puts every op
// registration into the bundle and tells run-batch not to import src/ops at run time (it is not beside the bundle).

import '../../ops.ts';
import { opsAlreadyLoaded } from './run-batch.ts';

opsAlreadyLoaded();
