// The public concat(frames): partitions of every frame in order, columns unioned (verbs/reshape.ts has the
// rules). A module of its own because it imports DataFrame, which imports the verb modules.

import { DataFrame } from '../dataframe.ts';
import { concatNode } from './reshape.ts';

export function concat(frames: readonly DataFrame[]): DataFrame {
  if (!Array.isArray(frames)) throw new TypeError('concat(frames) takes an array of DataFrames');
  frames.forEach((f, i) => {
    if (!(f instanceof DataFrame)) throw new TypeError(`concat(frames): item ${i} is not a DataFrame`);
  });
  return new DataFrame(concatNode(frames.map((f) => f.node)));
}
