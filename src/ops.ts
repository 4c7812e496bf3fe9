// Every op registration in one import. The main thread, worker threads and child processes all import
// this module, so a task's op id resolves to the same function wherever the task runs.

import './kernels/ops.ts';
import './kernels/verb-ops.ts';
import './io/csv/ops.ts';
import './io/parquet/ops.ts';
import './io/arrow-ipc/ops.ts';
import './collections/delayed/ops.ts';
import './collections/ndarray/ops.ts';
import './kernels/gpu/backend.ts';
import './kernels/reshape-ops.ts';
