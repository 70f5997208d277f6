"""Op-table rows for products (dot ... einsum) and linear algebra (inv ... lstsq).

Matrices are built well conditioned from a drawn seed: A = Q₁ diag(±s) Q₂ᵀ with s in [1, 2],
SPD A = Q diag(s) Qᵀ for cholesky and eigh, and distinct eigenvalues/singular values (gaps
near 1/n) wherever a gradient divides by their gaps. cholesky and eigh read A as symmetric, so
their rows differentiate f(sym(a)) (as PyTorch's own tests do); eigenvector and singular-vector
rows use sign-invariant functions of the vectors (U diag(c) Vᵀ, V diag(c) Vᵀ).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_table import Case, Op

import autograd_mini as am

Shape = tuple[int, ...]


# ---- matrices from a seed ----------------------------------------------------------------------
def _orthogonal(rng: np.random.Generator, batch: Shape, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _spectrum(rng: np.random.Generator, batch: Shape, n: int) -> np.ndarray:
    """n distinct values in [1, 2], gaps near 1/n, shuffled per matrix."""
    base = np.linspace(1.0, 2.0, n) if n > 1 else np.array([1.5])
    values = base + rng.uniform(-0.15, 0.15, batch + (n,)) / max(n, 1)
    return rng.permuted(values, axis=-1)


def _general(rng, batch, n):
    s = _spectrum(rng, batch, n) * rng.choice([-1.0, 1.0], batch + (n,))
    return (_orthogonal(rng, batch, n) * s[..., None, :]) @ np.swapaxes(
        _orthogonal(rng, batch, n), -1, -2)


def _spd(rng, batch, n):
    q = _orthogonal(rng, batch, n)
    a = (q * _spectrum(rng, batch, n)[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


def _rectangular(rng, batch, m, n):
    k = min(m, n)
    u = _orthogonal(rng, batch, m)[..., :k]
    v = _orthogonal(rng, batch, n)[..., :k]
    return (u * _spectrum(rng, batch, k)[..., None, :]) @ np.swapaxes(v, -1, -2)


def _seeded(make: Callable[..., tuple], params: dict[str, Any] | None = None):
    """A case from `make(rng, sides, batch)`: sides are the base shape's sides (at least 1,
    at most 4, padded with 3, 2, 4), batch one leading axis of 2 when the base has 3+ dims."""

    @st.composite
    def case(draw, base) -> Case:
        shape = draw(base)
        sides = [min(max(s, 1), 4) for s in shape[-2:]] + [3, 2, 4]
        batch = (2,) if len(shape) >= 3 else ()
        rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
        return Case(tuple(make(rng, sides, batch)), dict(params or {}))

    return case


def _normal(rng, *shape):
    return rng.standard_normal(shape)


# ---- torch adapters ------------------------------------------------------------------------
def _torch():
    import torch

    return torch


def _t_sym(a):
    return (a + a.transpose(-1, -2)) / 2


def _weights(n: int) -> np.ndarray:
    return np.arange(1.0, n + 1.0)


# sign-invariant uses of eigenvectors and singular vectors
def _eigvec_use(v, like=None):
    w = _weights(v.shape[-1]) if like is not None else _weights(v.shape[-1]).astype(v.dtype)
    return (v * w) @ v.swapaxes(-1, -2) if like is None else \
        (v * like.from_numpy(w)) @ v.transpose(-1, -2)


def _svd_use(u, vh, like=None):
    w = _weights(u.shape[-1]) if like is not None else _weights(u.shape[-1]).astype(u.dtype)
    return (u * (w if like is None else like.from_numpy(w))) @ vh


def _sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2 if isinstance(a, np.ndarray) else \
        (a + a.swapaxes(-1, -2)) * 0.5


# ---- products ----------------------------------------------------------------------------------
def _pair(shape_a: Callable, shape_b: Callable):
    return _seeded(lambda rng, s, batch: (_normal(rng, *shape_a(s, batch)),
                                          _normal(rng, *shape_b(s, batch))))


def _einsum_row(label: str, subscripts: str, shapes: Callable, arity: int) -> Op:
    return Op(f"einsum[{label}]", lambda *xs, subscripts: am.einsum(subscripts, *xs),
              lambda *xs, subscripts: np.einsum(subscripts, *xs), arity,
              _seeded(lambda rng, s, batch: tuple(_normal(rng, *sh) for sh in shapes(s, batch)),
                      {"subscripts": subscripts}),
              torch=lambda *ts, subscripts: _torch().einsum(subscripts, *ts))


PRODUCT_ROWS = [
    Op("dot[2d]", am.dot, np.dot, 2, _pair(lambda s, b: (s[0], s[1]), lambda s, b: (s[1], s[2])),
       torch=lambda a, b: a @ b),
    Op("dot[nd]", am.dot, np.dot, 2,
       _pair(lambda s, b: (2, s[0], s[1]), lambda s, b: (s[2], s[1], s[0])),
       torch=lambda a, b: _torch().tensordot(a, b, dims=([-1], [-2]))),
    Op("dot[scalar]", am.dot, np.dot, 2, _pair(lambda s, b: (), lambda s, b: (s[0], s[1])),
       torch=lambda a, b: a * b),
    Op("vdot", am.vdot, np.vdot, 2, _pair(lambda s, b: (s[0], s[1]), lambda s, b: (s[1], s[0])),
       torch=lambda a, b: _torch().dot(a.reshape(-1), b.reshape(-1))),
    Op("inner", am.inner, np.inner, 2,
       _pair(lambda s, b: b + (s[0], s[1]), lambda s, b: (s[2], s[1])),
       torch=lambda a, b: _torch().inner(a, b)),
    Op("outer", am.outer, np.outer, 2, _pair(lambda s, b: (s[0], s[1]), lambda s, b: (s[2],)),
       torch=lambda a, b: _torch().outer(a.reshape(-1), b.reshape(-1))),
    Op("kron", am.kron, np.kron, 2,
       _pair(lambda s, b: (s[0], s[1]), lambda s, b: b + (s[2], s[0])),
       torch=lambda a, b: _torch().kron(a, b)),
    Op("tensordot", lambda a, b, axes: am.tensordot(a, b, axes),
       lambda a, b, axes: np.tensordot(a, b, axes), 2,
       _seeded(lambda rng, s, b: (_normal(rng, s[0], s[1], s[2]), _normal(rng, s[2], s[0], 3)),
               {"axes": ([0, 2], [1, 0])}),
       torch=lambda a, b, axes: _torch().tensordot(a, b, dims=axes)),
    Op("tensordot[int]", lambda a, b, axes: am.tensordot(a, b, axes),
       lambda a, b, axes: np.tensordot(a, b, axes), 2,
       _seeded(lambda rng, s, b: (_normal(rng, s[0], s[1], s[2]), _normal(rng, s[1], s[2])),
               {"axes": 2}),
       torch=lambda a, b, axes: _torch().tensordot(a, b, dims=axes)),
    _einsum_row("matmul", "ij,jk->ik", lambda s, b: [(s[0], s[1]), (s[1], s[2])], 2),
    _einsum_row("ellipsis", "...ij,...jk->...ik",
                lambda s, b: [b + (1, s[0], s[1]), (3, s[1], s[2])], 2),
    _einsum_row("implicit", "ij,kj", lambda s, b: [(s[0], s[1]), (s[2], s[1])], 2),
    _einsum_row("trace", "ii", lambda s, b: [(s[0], s[0])], 1),
    _einsum_row("diagonal", "...ii->...i", lambda s, b: [b + (s[0], s[0])], 1),
    _einsum_row("repeated", "iij,jk->ki", lambda s, b: [(s[0], s[0], s[1]), (s[1], s[2])], 2),
    _einsum_row("summed alone", "ij,k->j", lambda s, b: [(s[0], s[1]), (s[2],)], 2),
    _einsum_row("three", "ij,jk,kl->il",
                lambda s, b: [(s[0], s[1]), (s[1], s[2]), (s[2], s[0])], 3),
]


# ---- linear algebra ----------------------------------------------------------------------------
def _square(make):
    return _seeded(lambda rng, s, batch: (make(rng, batch, s[0] + 1),))


def _la(name: str) -> Callable[..., Any]:
    return lambda *args, **kw: getattr(_torch().linalg, name)(*args, **kw)


def _slogdet_row(a):
    return am.slogdet(a).logabsdet


def _eigh_values(a):
    return am.eigh(_sym(a)).eigenvalues


def _eigh_vectors(a):
    return _eigvec_use(am.eigh(_sym(a)).eigenvectors)


def _svd_vectors(a):
    u, _, vh = am.svd(a, full_matrices=False)
    return _svd_use(u, vh)


def _svd_vectors_ref(a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return _svd_use(u, vh)


def _t_svd_vectors(a):
    u, _, vh = _torch().linalg.svd(a, full_matrices=False)
    return _svd_use(u, vh, _torch())


def _qr_row(a):
    q, r = am.qr(a)
    return am.concatenate([q.reshape(-1), r.reshape(-1)])


def _qr_ref(a):
    q, r = np.linalg.qr(a)
    return np.concatenate([q.reshape(-1), r.reshape(-1)])


def _t_qr(a):
    q, r = _torch().linalg.qr(a)
    return _torch().cat([q.reshape(-1), r.reshape(-1)])


def _rect(tall: bool):
    return _seeded(lambda rng, s, batch: (_rectangular(rng, batch, s[0] + 2, s[1])
                                          if tall else _rectangular(rng, batch, s[1], s[0] + 2),))


def _solve_case(vector: bool):
    def make(rng, s, batch):
        n = s[0] + 1
        b = _normal(rng, n) if vector else _normal(rng, *(batch + (n, s[1])))
        return _general(rng, batch, n), b

    return _seeded(make)


def _lstsq_case(rng, s, batch):
    m, n = s[0] + 3, min(s[1], s[0] + 2)
    return _rectangular(rng, (), m, n), _normal(rng, m, s[2])


LINALG_ROWS = [
    Op("inv", am.inv, np.linalg.inv, 1, _square(_general), torch=_la("inv")),
    Op("solve[matrix]", am.solve, np.linalg.solve, 2, _solve_case(vector=False),
       torch=_la("solve")),
    Op("solve[vector]", am.solve, np.linalg.solve, 2, _solve_case(vector=True),
       torch=_la("solve")),
    Op("det", am.det, np.linalg.det, 1, _square(_general), torch=_la("det")),
    Op("slogdet", _slogdet_row, lambda a: np.linalg.slogdet(a)[1], 1, _square(_general),
       torch=lambda a: _torch().linalg.slogdet(a)[1]),
    Op("cholesky", lambda a: am.cholesky(_sym(a)), lambda a: np.linalg.cholesky(_sym(a)), 1,
       _square(_spd), torch=lambda a: _torch().linalg.cholesky(_t_sym(a))),
    Op("eigh[values]", _eigh_values, lambda a: np.linalg.eigh(_sym(a))[0], 1, _square(_spd),
       torch=lambda a: _torch().linalg.eigh(_t_sym(a))[0]),
    Op("eigh[vectors]", _eigh_vectors, lambda a: _eigvec_use(np.linalg.eigh(_sym(a))[1]), 1,
       _square(_spd),
       torch=lambda a: _eigvec_use(_torch().linalg.eigh(_t_sym(a))[1], _torch())),
    Op("svd[values]", lambda a: am.svd(a, compute_uv=False),
       lambda a: np.linalg.svd(a, compute_uv=False), 1, _rect(tall=True),
       torch=_la("svdvals")),
    Op("svd[vectors tall]", _svd_vectors, _svd_vectors_ref, 1, _rect(tall=True),
       torch=_t_svd_vectors),
    Op("svd[vectors wide]", _svd_vectors, _svd_vectors_ref, 1, _rect(tall=False),
       torch=_t_svd_vectors),
    Op("qr[tall]", _qr_row, _qr_ref, 1, _rect(tall=True), torch=_t_qr),
    Op("qr[wide]", _qr_row, _qr_ref, 1, _rect(tall=False), torch=_t_qr),
    Op("pinv", am.pinv, np.linalg.pinv, 1, _rect(tall=True), torch=_la("pinv")),
    Op("lstsq", lambda a, b: am.lstsq(a, b)[0], lambda a, b: np.linalg.lstsq(a, b)[0], 2,
       _seeded(_lstsq_case), torch=lambda a, b: _torch().linalg.pinv(a) @ b),
    Op("lstsq[residuals]", lambda a, b: am.lstsq(a, b)[1],
       lambda a, b: np.linalg.lstsq(a, b)[1], 2, _seeded(_lstsq_case),
       torch=lambda a, b: ((b - a @ (_torch().linalg.pinv(a) @ b)) ** 2).sum(0)),
]

ROWS: list[Op] = PRODUCT_ROWS + LINALG_ROWS
