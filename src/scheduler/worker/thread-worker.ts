// Entry of a piscina worker thread: each call is one batch of tasks (see run-batch.ts).

import { runBatch } from './run-batch.ts';

export default runBatch;
