// sample({frac, seed}) and randomSplit(fracs, {seed}): each row keeps or goes by a Philox draw keyed by the
// seed, its partition and its row (kernels/sample-rows.ts), so results repeat exactly for the same seed and
// partitioning, whatever the scheduler. randomSplit's frames share the draws: disjoint, and together every row.

import { ref } from '../../scheduler/graph.ts';
import { generator } from '../../random/generator.ts';
import { assertKnownOptions } from '../../config.ts';
import { type DerivedNode, type FrameNode, derivedNode } from '../plan.ts';

export interface SampleOptions {
  /** Fraction of rows to keep, in [0, 1] (each row independently: the count varies around frac * rows). */
  frac: number;
  /** A non-negative integer or bigint; the same seed gives the same rows. */
  seed?: number | bigint;
}

function keyOf(seed: number | bigint | undefined, where: string): [number, number] {
  if (seed === undefined) throw new TypeError(`${where}: pass {seed} (a non-negative integer) so the rows chosen can be reproduced`);
  const [k0, k1] = generator(seed).toJSON().key;
  return [k0, k1];
}

function rangeNode(input: FrameNode, key: readonly [number, number], lo: number, hi: number, what: string): DerivedNode {
  return derivedNode('sample', [input], {
    describe: () => what,
    inputNeeds: (need) => [need],
    rebuild: ([i]) => rangeNode(i!, key, lo, hi, what),
    lower: (builder, node) => builder.frame(input).map((p, i) => builder.addTask(`${node.token}#${i}`, 'sample.rows', [ref(p), key, i, lo, hi])),
  }, input.schema, input.npartitions, [key, lo, hi]);
}

export function sampleNode(input: FrameNode, options: SampleOptions): DerivedNode {
  if (typeof options !== 'object' || options === null) throw new TypeError('sample(options): pass {frac, seed}');
  assertKnownOptions('sample()', options, ['frac', 'seed']);
  const { frac } = options;
  if (typeof frac !== 'number' || !(frac >= 0 && frac <= 1)) throw new RangeError(`sample(): frac must be a number in [0, 1]; got ${String(frac)}`);
  return rangeNode(input, keyOf(options.seed, 'sample()'), 0, frac, `sample frac=${frac}`);
}

export function randomSplitNodes(input: FrameNode, fracs: readonly number[], options: { seed?: number | bigint }): DerivedNode[] {
  if (!Array.isArray(fracs) || fracs.length === 0 || fracs.some((f) => typeof f !== 'number' || !(f >= 0) || !Number.isFinite(f))) {
    throw new TypeError(`randomSplit(fracs): fracs must be a non-empty array of non-negative numbers; got ${JSON.stringify(fracs)}`);
  }
  assertKnownOptions('randomSplit()', options ?? {}, ['seed']);
  const total = fracs.reduce((s, f) => s + f, 0);
  if (!(total > 0)) throw new RangeError('randomSplit(fracs): the fractions add up to 0');
  const key = keyOf(options?.seed, 'randomSplit()');
  let acc = 0;
  return fracs.map((f, i) => {
    const lo = acc / total;
    acc += f;
    // The last range ends at exactly 1 so rounding never drops a row.
    const hi = i === fracs.length - 1 ? 1 : acc / total;
    return rangeNode(input, key, lo, hi, `randomSplit part ${i} [${lo}, ${hi})`);
  });
}
