// The `random` namespace of the public entry.

export { generator, Generator, type GeneratorState, type Seed, type ChoiceOptions, type ArrayOptions } from './generator.ts';
