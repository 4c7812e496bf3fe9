const buf = new Float64Array(new SharedArrayBuffer(8 * 12_500_000)); buf.fill(1);
export default function ({ t0 }) {
  const tStart = performance.timeOrigin + performance.now();
  let s = 0;
  for (let k = 0; k < 2; k++) for (let j = 0; j < buf.length; j++) s += buf[j];
  return [tStart, performance.timeOrigin + performance.now(), s];
}
