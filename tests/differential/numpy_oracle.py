# The NumPy side of tests/differential/arrays-numpy.test.ts: reads random array cases as JSON on stdin
# (inputs as little-endian bytes, an expression tree), evaluates each with NumPy under tessera's documented
# dtype rules (docs/ARRAYS.md "Dtypes": NumPy 2 promotion, weak scalars, bool arithmetic counts as int32),
# and writes per case the expected dtype, shape, bytes and an error bound per element.
#
# The bound is what makes approximate results checkable: exact IEEE operations (+ - * / sqrt, comparisons,
# floor, casts) on exactly-known operands must match bit for bit (bound 0); transcendentals may differ by a
# few ulps; a sum may differ by rounding, bounded by n * eps * sum(|x|). Bounds propagate through the tree.
import base64
import json
import sys
import warnings

import numpy as np

warnings.simplefilter('ignore')
NP = {'float64': np.float64, 'float32': np.float32, 'int32': np.int32, 'int64': np.int64, 'uint8': np.uint8, 'bool': np.bool_}
RANK = {'bool': 0, 'uint8': 1, 'int32': 2, 'int64': 3, 'float32': 4, 'float64': 5}
EPS = {'float64': 2.0 ** -52, 'float32': 2.0 ** -23}
TRANSCENDENTAL = {'exp': np.exp, 'log': np.log, 'log1p': np.log1p, 'sin': np.sin, 'cos': np.cos, 'tanh': np.tanh}
COMPARE = ('lt', 'le', 'gt', 'ge', 'eq', 'ne')
ULPS = 4  # allowed ulps for a transcendental (V8/fdlibm and NumPy's SIMD loops are each within ~1-2)


def is_float(d):
    return d in ('float64', 'float32')


def is_int(d):
    return d in ('int32', 'int64', 'uint8', 'bool')


def promote(a, b):
    if a == b:
        return a
    lo, hi = sorted((a, b), key=lambda d: RANK[d])
    if hi == 'float32' and lo in ('int32', 'int64'):
        return 'float64'
    return hi


def arithmetic(d):
    return 'int32' if d == 'bool' else d


def scalar_is_float(s):
    return isinstance(s, dict) and s.get('float')


class V:
    """A value: the array, its tessera dtype, and an absolute error bound per element (0 = must be exact)."""

    def __init__(self, a, dtype, err):
        self.a = a
        self.dtype = dtype
        e = np.asarray(err, dtype=np.float64)
        # a NaN bound (Inf * 0 while propagating) allows anything for a finite value; NaN and Inf values are
        # compared exactly whatever their bound, so theirs is irrelevant
        finite = np.isfinite(np.asarray(a).astype(np.float64)) if np.asarray(a).dtype != np.bool_ else np.ones(np.shape(a), bool)
        self.err = np.where(np.isnan(e), np.where(finite, np.inf, 0.0), e)


def ulp_bound(x, dtype, ulps):
    return ulps * EPS[dtype] * np.abs(x.astype(np.float64))


def cast(v, d):
    if v.dtype == d:
        return v.a
    if d == 'bool':
        return v.a != 0
    return v.a.astype(NP[d])


def scalar_value(s):
    if isinstance(s, dict):
        return float(s['v'])
    return s


def ev(e, inputs):
    k = e['k']
    if k == 'in':
        return inputs[e['i']]
    if k == 'un':
        return unary(e['op'], ev(e['a'], inputs))
    if k == 'bin':
        return binary(e['op'], ev(e['a'], inputs), ev(e['b'], inputs))
    if k == 'sc':
        a = ev(e['a'], inputs)
        s = e['s']
        sf = scalar_is_float(s)
        sv = scalar_value(s)
        d = (a.dtype if is_float(a.dtype) else 'float64') if sf else arithmetic(a.dtype) if e['op'] not in COMPARE + ('minimum', 'maximum') else a.dtype
        sarr = V(np.full(a.a.shape, sv, dtype=NP[d]) if not (d == 'bool') else np.full(a.a.shape, bool(sv)), d, np.zeros(a.a.shape))
        return binary(e['op'], a, sarr, result=d)
    if k == 'cast':
        a = ev(e['a'], inputs)
        out = cast(a, e['dtype'])
        err = a.err.copy()
        if is_float(e['dtype']) and (np.any(a.err > 0) or (a.dtype == 'float64' and e['dtype'] == 'float32') or (is_int(a.dtype) and a.dtype != 'bool')):
            # rounding to the narrower type is exact on exact operands; with an error it may round either way
            err = np.where(a.err > 0, a.err + EPS[e['dtype']] * np.abs(out.astype(np.float64)), 0.0)
        return V(out, e['dtype'], err)
    if k == 'rechunk':
        return ev(e['a'], inputs)
    if k == 'concat':
        parts = [ev(x, inputs) for x in e['parts']]
        d = parts[0].dtype
        for p in parts[1:]:
            d = promote(d, p.dtype)
        return V(np.concatenate([cast(p, d) for p in parts], axis=e['axis']), d, np.concatenate([p.err for p in parts], axis=e['axis']))
    if k == 'where':
        c, a, b = ev(e['c'], inputs), ev(e['a'], inputs), ev(e['b'], inputs)
        d = promote(a.dtype, b.dtype)
        shape = np.broadcast_shapes(c.a.shape, a.a.shape, b.a.shape)
        return V(np.where(c.a, cast(a, d), cast(b, d)), d, np.where(c.a, np.broadcast_to(a.err, shape), np.broadcast_to(b.err, shape)))
    if k == 'spd':
        a = ev(e['a'], inputs)
        x = a.a.astype(np.float64)
        n = x.shape[1]
        return V(x.T @ x + n * np.eye(n), 'float64', np.zeros((n, n)))
    if k == 'linalg':
        return linalg(e, ev(e['a'], inputs), ev(e['b'], inputs) if 'b' in e else None)
    if k == 'T':
        a = ev(e['a'], inputs)
        return V(a.a.T, a.dtype, a.err.T)
    if k == 'slice':
        a = ev(e['a'], inputs)
        idx = tuple(s if isinstance(s, int) else slice(*s) for s in e['specs'])
        return V(a.a[idx], a.dtype, a.err[idx])
    if k == 'red':
        return reduce(e, ev(e['a'], inputs))
    if k == 'scan':
        return scan(e, ev(e['a'], inputs))
    if k == 'matmul':
        a, b = ev(e['a'], inputs), ev(e['b'], inputs)
        x, y = a.a.astype(np.float64), b.a.astype(np.float64)
        r = x @ y
        n = x.shape[1]
        err = (n + 2) * EPS['float64'] * (np.abs(x) @ np.abs(y))
        return V(r, 'float64', err)
    raise ValueError(f'unknown node {k}')


def linalg(e, a, b):
    """Factorizations and solves in float64; the bound scales with the condition number (well conditioned here)."""
    x = a.a.astype(np.float64)
    op = e['op']
    if op == 'cholesky':
        r = np.linalg.cholesky(x)
    elif op == 'inv':
        r = np.linalg.inv(x)
    elif op == 'solve':
        r = np.linalg.solve(x, b.a)
    elif op == 'lstsq':
        # A rank-deficient a has no unique least-squares solution: NumPy picks the minimum-norm one by SVD,
        # tessera's TSQR (as dask.array's) refuses with a LinAlgError. Expect the refusal.
        if np.linalg.matrix_rank(x) < x.shape[1]:
            raise np.linalg.LinAlgError('rank-deficient: the least-squares solution is not unique')
        r = np.linalg.lstsq(x, b.a, rcond=None)[0]
    else:
        r = np.abs(np.linalg.qr(x, mode='reduced')[1])
    cond = np.linalg.cond(x) if x.size else 1.0
    if op == 'lstsq':
        cond = cond * cond
    scale = max(float(np.max(np.abs(r))) if r.size else 0.0, 1e-300)
    return V(r, 'float64', np.full(r.shape, 64 * (x.shape[0] + 1) * EPS['float64'] * cond * scale))


def unary(op, a):
    if op in TRANSCENDENTAL or op == 'sqrt':
        d = 'float32' if a.dtype == 'float32' else 'float64'
        x = cast(a, d)
        r = (TRANSCENDENTAL[op] if op != 'sqrt' else np.sqrt)(x)
        err = np.zeros(r.shape) if op == 'sqrt' else ulp_bound(r, d, ULPS) + 1e-300
        if np.any(a.err > 0):
            raise ValueError('generator nests approximate ops')
        return V(r, d, err)
    if op in ('neg', 'abs'):
        d = arithmetic(a.dtype)
        x = cast(a, d)
        r = np.negative(x) if op == 'neg' else np.abs(x)
        return V(r, d, a.err)
    if op in ('floor', 'ceil', 'round'):
        if is_int(a.dtype):
            return a
        f = {'floor': np.floor, 'ceil': np.ceil, 'round': np.round}[op]
        return V(f(a.a), a.dtype, a.err)
    if op == 'isnan':
        return V(np.isnan(a.a) if is_float(a.dtype) else np.zeros(a.a.shape, dtype=bool), 'bool', np.zeros(a.a.shape))
    if op == 'not':
        return V(np.logical_not(a.a), 'bool', np.zeros(a.a.shape))
    raise ValueError(op)


def binary(op, a, b, result=None):
    shape = np.broadcast_shapes(a.a.shape, b.a.shape)
    ea = np.broadcast_to(a.err, shape)
    eb = np.broadcast_to(b.err, shape)
    approx = np.logical_or(ea > 0, eb > 0)
    if op in ('lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or'):
        if op in ('and', 'or'):
            r = np.logical_and(a.a, b.a) if op == 'and' else np.logical_or(a.a, b.a)
        else:
            d = result or promote(a.dtype, b.dtype)
            x, y = cast(a, d), cast(b, d)
            r = {'lt': np.less, 'le': np.less_equal, 'gt': np.greater, 'ge': np.greater_equal, 'eq': np.equal, 'ne': np.not_equal}[op](x, y)
        return V(r, 'bool', np.zeros(shape))
    if op in ('minimum', 'maximum'):
        d = result or promote(a.dtype, b.dtype)
        f = np.minimum if op == 'minimum' else np.maximum
        return V(f(cast(a, d), cast(b, d)), d, np.maximum(ea, eb))
    if op == 'div':
        d = result or promote(a.dtype, b.dtype)
        d = d if is_float(d) else 'float64'
    else:
        d = result or arithmetic(promote(arithmetic(a.dtype), arithmetic(b.dtype)))
    x, y = cast(a, d), cast(b, d)
    with np.errstate(all='ignore'):
        if op == 'add':
            r = x + y
            err = ea + eb
        elif op == 'sub':
            r = x - y
            err = ea + eb
        elif op == 'mul':
            r = x * y
            err = np.abs(y.astype(np.float64)) * ea + np.abs(x.astype(np.float64)) * eb + ea * eb
        elif op == 'div':
            r = x / y
            err = (ea + np.abs(r.astype(np.float64)) * eb) / np.abs(y.astype(np.float64))
        elif op == 'mod':
            if is_int(d):
                r = np.where(y == 0, 0, np.mod(x, np.where(y == 0, 1, y))).astype(NP[d])
            else:
                r = np.mod(x, y)
            err = np.zeros(shape)
        elif op == 'pow':
            r = np.power(x, y)
            err = ulp_bound(r, d, ULPS) + 1e-300 if is_float(d) else np.zeros(shape)
        else:
            raise ValueError(op)
    if is_float(d):
        err = np.where(approx, err + EPS[d] * np.abs(r.astype(np.float64)), err)
    return V(r, d, err)


def reduce(e, a):
    op, axes, keep, ddof = e['op'], e['axes'], e['keepdims'], e['ddof']
    ax = tuple(range(a.a.ndim)) if axes is None else tuple(axes)
    n = int(np.prod([a.a.shape[i] for i in ax])) if ax else 1
    x = a.a
    f64 = x.astype(np.float64) if not x.dtype == np.bool_ else x.astype(np.float64)
    absum = np.sum(np.abs(f64), axis=ax, keepdims=keep) if x.size else np.zeros(np.sum(f64, axis=ax, keepdims=keep).shape)
    errsum = np.sum(a.err, axis=ax, keepdims=keep)
    if op in ('min', 'max', 'nanmin', 'nanmax', 'argmin', 'argmax') and n == 0:
        raise ValueError(f'{op} of an empty axis')
    with np.errstate(all='ignore'):
        if op in ('sum', 'nansum', 'prod'):
            if is_int(a.dtype):
                r = (np.sum if op != 'prod' else np.prod)(x.astype(np.int64), axis=ax, keepdims=keep)
                return V(r, 'int64', np.zeros(r.shape))
            y = np.nan_to_num(x, nan=0.0, posinf=np.inf, neginf=-np.inf) if op == 'nansum' else x
            if op == 'prod':
                r = np.prod(y.astype(np.float64), axis=ax, keepdims=keep).astype(NP[a.dtype])
                tol = (n + 2) * EPS[a.dtype] * np.abs(r.astype(np.float64)) + 1e-300
                return V(r, a.dtype, tol)
            r = np.sum(y.astype(np.float64), axis=ax, keepdims=keep).astype(NP[a.dtype])
            absn = np.nansum(np.abs(y.astype(np.float64)), axis=ax, keepdims=keep) if x.size else absum
            return V(r, a.dtype, errsum + (n + 2) * EPS[a.dtype] * absn)
        if op in ('mean', 'nanmean', 'var', 'std', 'nanvar', 'nanstd'):
            d = 'float32' if a.dtype == 'float32' else 'float64'
            fn = {'mean': np.mean, 'nanmean': np.nanmean, 'var': np.var, 'std': np.std, 'nanvar': np.nanvar, 'nanstd': np.nanstd}[op]
            kw = {} if op in ('mean', 'nanmean') else {'ddof': ddof}
            r = fn(f64, axis=ax, keepdims=keep, **kw)
            cnt = max(n, 1)
            if op in ('mean', 'nanmean'):
                tol = (errsum + (n + 2) * EPS[d] * absum) / cnt
            else:
                # moments: error relative to the spread and to the data's magnitude (one-pass vs two-pass)
                mx = np.max(np.abs(f64), axis=ax, keepdims=keep, initial=0.0, where=~np.isnan(f64))
                emax = np.max(a.err, axis=ax, keepdims=keep, initial=0.0)
                scale = (mx + emax) ** 2 if op.endswith('var') else (mx + emax)
                tol = (n + 8) * EPS[d] * 16 * scale + 2 * emax * (mx + emax) * (1 if op.endswith('var') else 0) + (emax if op.endswith('std') else 0)
                if op.endswith('std'):
                    tol = np.sqrt(tol * (mx + emax) + 0.0) + tol
            return V(np.asarray(r).astype(NP[d]), d, tol)
        if op in ('min', 'max', 'nanmin', 'nanmax'):
            fn = {'min': np.min, 'max': np.max, 'nanmin': np.nanmin, 'nanmax': np.nanmax}[op]
            r = fn(x, axis=ax, keepdims=keep)
            return V(np.asarray(r), a.dtype, np.max(a.err, axis=ax, keepdims=keep, initial=0.0))
        if op in ('argmin', 'argmax'):
            fn = np.argmin if op == 'argmin' else np.argmax
            if axes is None:
                r = fn(x.reshape(-1))
                if keep:
                    r = np.asarray(r).reshape((1,) * x.ndim)
            else:
                r = fn(x, axis=ax[0], keepdims=keep) if keep else fn(x, axis=ax[0])
            return V(np.asarray(r).astype(np.int64), 'int64', np.zeros(np.shape(r)))
        if op in ('any', 'all'):
            r = (np.any if op == 'any' else np.all)(x, axis=ax, keepdims=keep)
            return V(np.asarray(r), 'bool', np.zeros(np.shape(r)))
    raise ValueError(op)


def scan(e, a):
    op, axis = e['op'], e['axis']
    d = a.dtype if is_float(a.dtype) else 'int64'
    x = a.a.astype(NP[d])
    with np.errstate(all='ignore'):
        if op == 'cumsum':
            r = np.cumsum(x, axis=axis, dtype=NP[d])
            n = x.shape[axis]
            err = np.zeros(r.shape) if not is_float(d) else np.cumsum(a.err, axis=axis) + (n + 2) * EPS[d] * np.cumsum(np.abs(x.astype(np.float64)), axis=axis)
        else:
            r = np.cumprod(x, axis=axis, dtype=NP[d])
            n = x.shape[axis]
            err = np.zeros(r.shape) if not is_float(d) else (n + 2) * EPS[d] * 4 * np.abs(r.astype(np.float64)) + 1e-300
    return V(r, d, err)


def decode(spec):
    raw = base64.b64decode(spec['b64'])
    d = spec['dtype']
    a = np.frombuffer(raw, dtype=NP[d] if d != 'bool' else np.uint8).copy()
    if d == 'bool':
        a = a != 0
    return V(a.reshape(spec['shape']), d, np.zeros(spec['shape']))


def encode(v):
    a = np.asarray(v.a).copy(order='C')  # not ascontiguousarray: it makes a 0-d result 1-d
    if v.dtype == 'bool':
        a = a.astype(np.uint8)
    else:
        a = a.astype(NP[v.dtype])
    err = np.broadcast_to(np.asarray(v.err, dtype=np.float64), a.shape).copy(order='C')
    return {'dtype': v.dtype, 'shape': list(a.shape), 'b64': base64.b64encode(a.astype(a.dtype.newbyteorder('<')).tobytes()).decode(),
            'err': base64.b64encode(err.astype('<f8').tobytes()).decode()}


def main():
    cases = json.load(sys.stdin)
    out = []
    for c in cases:
        try:
            inputs = [decode(s) for s in c['inputs']]
            out.append(encode(ev(c['expr'], inputs)))
        except Exception as exc:  # noqa: BLE001 — an error is an expected outcome the test compares
            out.append({'error': f'{type(exc).__name__}: {exc}'})
    json.dump(out, sys.stdout)


main()
