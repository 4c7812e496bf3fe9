// WGSL tiled matrix product: each 16x16 workgroup computes one 16x16 tile of C, staging 16x16 tiles of A and B
// in workgroup memory so each input value is read from storage once per tile instead of once per product.

export const TILE = 16;

export function matmulShader(): string {
  return /* wgsl */ `
struct Dims { m: u32, k: u32, n: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> d: Dims;

var<workgroup> tileA: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tileB: array<array<f32, ${TILE}>, ${TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  var acc = 0.0;
  let tiles = (d.k + ${TILE - 1}u) / ${TILE}u;
  for (var t = 0u; t < tiles; t++) {
    // Out-of-range rows/columns load zeros, so edge tiles need no other special case.
    let ka = t * ${TILE}u + lid.x;
    let kb = t * ${TILE}u + lid.y;
    tileA[lid.y][lid.x] = select(0.0, a[min(row * d.k + ka, arrayLength(&a) - 1u)], row < d.m && ka < d.k);
    tileB[lid.y][lid.x] = select(0.0, b[min(kb * d.n + col, arrayLength(&b) - 1u)], kb < d.k && col < d.n);
    workgroupBarrier();
    for (var i = 0u; i < ${TILE}u; i++) {
      acc = acc + tileA[lid.y][i] * tileB[i][lid.x];
    }
    workgroupBarrier();
  }
  if (row < d.m && col < d.n) {
    c[row * d.n + col] = acc;
  }
}
`;
}
