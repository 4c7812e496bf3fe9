// Arrow types as short strings, so a task can say "build an int32 column" in plain, cloneable data
// (Arrow DataType instances lose their class when structured-cloned to a worker).

import { type DataType, Bool, DateDay, DateMillisecond, Float32, Float64, Int8, Int16, Int32, Int64, Timestamp, Uint8, Uint16, Uint32, Uint64, Utf8, Type } from 'apache-arrow';

const FACTORIES: Record<string, () => DataType> = {
  bool: () => new Bool(),
  float32: () => new Float32(),
  float64: () => new Float64(),
  int8: () => new Int8(),
  int16: () => new Int16(),
  int32: () => new Int32(),
  int64: () => new Int64(),
  uint8: () => new Uint8(),
  uint16: () => new Uint16(),
  uint32: () => new Uint32(),
  uint64: () => new Uint64(),
  utf8: () => new Utf8(),
  date32: () => new DateDay(),
  date64: () => new DateMillisecond(),
};

export function typeTag(t: DataType): string {
  switch (t.typeId) {
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.Dictionary:
      return 'utf8';
    case Type.Float:
      return (t as unknown as { precision: number }).precision === 1 ? 'float32' : 'float64';
    case Type.Int: {
      const i = t as unknown as { bitWidth: number; isSigned: boolean };
      return `${i.isSigned ? 'int' : 'uint'}${i.bitWidth}`;
    }
    case Type.Date:
      return (t as unknown as { unit: number }).unit === 0 ? 'date32' : 'date64';
    case Type.Timestamp: {
      // timestamp:<unit 0-3>[:<zone>] (seconds, ms, us, ns)
      const ts = t as unknown as { unit: number; timezone?: string | null };
      return `timestamp:${ts.unit}${ts.timezone ? `:${ts.timezone}` : ''}`;
    }
    default:
      throw new TypeError(`type ${String(t)} has no tag yet`);
  }
}

export function typeFromTag(tag: string): DataType {
  if (tag.startsWith('timestamp:')) {
    const [, unit, ...zone] = tag.split(':');
    return new Timestamp(Number(unit), zone.length > 0 ? zone.join(':') : null);
  }
  const f = FACTORIES[tag];
  if (!f) throw new TypeError(`unknown type tag '${tag}'`);
  return f();
}
