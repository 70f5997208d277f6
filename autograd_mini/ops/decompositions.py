"""Linear algebra on matrices and stacks of matrices (..., m, n), numpy.linalg's names and
signatures: inv, solve, det, slogdet, cholesky, eigh, svd, qr, pinv, lstsq.

A primitive returns one array. Decompositions with several outputs pack them into one array
(eigh: [w; V], svd: [U; s; Vᵀ], qr: [Q; Rᵀ]) and the public function slices it, so one LAPACK
call serves every output and the VJP sees all of them. Real matrices only.

Conventions (PyTorch's): cholesky and eigh read A's lower triangle and treat A as symmetric,
so their gradients are symmetric. eigh's and svd's gradients divide by eigenvalue (singular
value) gaps: they are finite only for distinct eigenvalues (singular values), and only for
functions that do not depend on the sign (gauge) of each eigenvector/singular vector pair.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..engine import apply, record
from ..errors import ShapeError
from ..forward import forward_active
from ..grad_mode import STATE
from ..registry import TENSOR_FUNCTIONS
from ..tensor import Tensor
from .args import as_tensor, floating, real, tensor_pair
from .expose import composite, defop, parsed


# ---- helpers shared by the VJPs (operators and xp only: they run on arrays and Tensors) -----
def _mT(x: Any) -> Any:
    """The matrix transpose of a stack: swap the last two axes."""
    return x.swapaxes(-1, -2)


def _eye(n: int, like: Any, xp: Any) -> np.ndarray:
    return np.eye(n, dtype=xp.value(like).dtype)


def _diag(v: Any, xp: Any) -> Any:
    """A stack of diagonal matrices from a stack of vectors (..., n) -> (..., n, n)."""
    return xp.expand_dims(v, -2) * _eye(v.shape[-1], v, xp)


def _diagonal(m: Any, xp: Any) -> Any:
    """The diagonals of a stack of square matrices (..., n, n) -> (..., n)."""
    return (m * _eye(m.shape[-1], m, xp)).sum(axis=-1)


def _sym(m: Any) -> Any:
    return (m + _mT(m)) * 0.5


def _gap_inverse(v: Any, xp: Any) -> Any:
    """F[i, j] = 1 / (v[j] − v[i]) off the diagonal, 0 on it (inf where values repeat)."""
    eye = _eye(v.shape[-1], v, xp)
    gaps = xp.expand_dims(v, -2) - xp.expand_dims(v, -1) + eye  # 1 on the diagonal
    return (1.0 / gaps) * (1.0 - eye)


def _is_zero(x: Any) -> bool:
    """A gradient part that is a constant zero (an unused output of a packed decomposition):
    its terms are skipped, so eigvalsh and svd(compute_uv=False) keep finite gradients at
    repeated eigenvalues / singular values (no 0 · inf), as PyTorch's do."""
    if isinstance(x, Tensor):
        return not x.requires_grad and not np.any(x.data)
    return not np.any(x)


def _tril_mask(n: int, like: Any, xp: Any, k: int = 0) -> np.ndarray:
    return np.tril(np.ones((n, n), dtype=xp.value(like).dtype), k)


def _square(a: Any, op: str) -> Tensor:
    t = floating(as_tensor(a, op=op))
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ShapeError(f"{op}: expected a square matrix or a stack of them, shape (..., n, n); "
                         f"got shape {t.shape}")
    return t


def _matrix(a: Any, op: str) -> Tensor:
    t = floating(as_tensor(a, op=op))
    if t.ndim < 2:
        raise ShapeError(f"{op}: expected a matrix or a stack of them, shape (..., m, n); got "
                         f"shape {t.shape}")
    return t


# ---- inv, solve, det, slogdet -----------------------------------------------------------------
def _inv_parse(a: Any) -> tuple:
    return (_square(a, "inv"),), {}


INV = defop(
    "inv", np.linalg.inv,
    vjp=lambda g, out, inputs, needs, xp: (-(_mT(out) @ g @ _mT(out)),),
    jvp=lambda t, out, inputs, xp: -(out @ t[0] @ out),
    math="inv(A) = A⁻¹;  ∂/∂A = −A⁻ᵀ g A⁻ᵀ",
    expose=[parsed("inv", _inv_parse, on_arrays=np.linalg.inv)],
)


def _solve_parse(a: Any, b: Any) -> tuple:
    ta, tb = tensor_pair(a, b, "solve")
    ta, tb = _square(ta, "solve"), floating(tb)
    n = ta.shape[-1]
    rows = tb.shape[0] if tb.ndim == 1 else (tb.shape[-2] if tb.ndim >= 2 else None)
    if rows != n:
        raise ShapeError(f"solve: a {ta.shape} and b {tb.shape} do not fit; expected b of shape "
                         f"({n},) or (..., {n}, k)")
    return (ta, tb), {}


def _solve_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    vector = b.ndim == 1  # numpy 2: only a 1-d b is a vector; (..., n) stacks are matrices
    g_mat = xp.expand_dims(g, -1) if vector else g  # (..., n, k)
    x_mat = xp.expand_dims(out, -1) if vector else out
    gb = xp.solve(_mT(a), g_mat)  # A⁻ᵀ g
    ga = -(gb @ _mT(x_mat)) if needs[0] else None
    if vector:
        gb = gb[..., 0]
    return ga, (gb if needs[1] else None)


def _solve_jvp(t, out, inputs, xp):
    a, b = inputs
    rhs = t[1]
    if t[0] is not None:
        if b.ndim == 1:  # x (..., n) is a stack of vectors here, not a matrix
            moved = (t[0] @ xp.expand_dims(out, -1))[..., 0]
        else:
            moved = t[0] @ out
        rhs = -moved if rhs is None else rhs - moved
    if b.ndim == 1:
        return xp.solve(a, xp.expand_dims(rhs, -1))[..., 0]
    return xp.solve(a, rhs)


SOLVE = defop(
    "solve", np.linalg.solve, _solve_vjp, jvp=_solve_jvp,
    math="solve(A, b) = A⁻¹ b;  ∂/∂b = A⁻ᵀ g,  ∂/∂A = −(A⁻ᵀ g) xᵀ",
    expose=[parsed("solve", _solve_parse, on_arrays=np.linalg.solve)],
)


def _det_parse(a: Any) -> tuple:
    return (_square(a, "det"),), {}


def _det_vjp(g, out, inputs, needs, xp):
    a = inputs[0]
    scale = xp.expand_dims(xp.expand_dims(g * out, -1), -1)
    if not isinstance(a, np.ndarray):
        return (scale * _mT(xp.inv(a)),)
    try:
        return (scale * _mT(np.linalg.inv(a)),)
    except np.linalg.LinAlgError:  # singular: det(A)·A⁻ᵀ is still the cofactor matrix
        return (g[..., None, None] * _mT(_adjugate(a)),)


def _adjugate(a: np.ndarray) -> np.ndarray:
    """adj(A) = det(U) det(V) V diag(Π_{j≠i} s_j) Uᵀ from A = U diag(s) Vᵀ: no division by a
    zero singular value, so singular matrices get their cofactors (as in PyTorch)."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.where(np.eye(n, dtype=bool), 1.0, s[..., None, :]).prod(axis=-1)  # Π_{j≠i}
    signs = np.linalg.det(u) * np.linalg.det(vh)
    return signs[..., None, None] * ((_mT(vh) * others[..., None, :]) @ _mT(u))


def _det_jvp(t, out, inputs, xp):
    return out * _diagonal(xp.solve(inputs[0], t[0]), xp).sum(axis=-1)


DET = defop(
    "det", np.linalg.det, _det_vjp, jvp=_det_jvp,
    math="det(A);  ∂/∂A = g·det(A)·A⁻ᵀ = g·adj(A)ᵀ  (the cofactors of a singular A; its "
         "second derivative needs A invertible)",
    expose=[parsed("det", _det_parse, on_arrays=np.linalg.det)],
)


def _logabsdet_vjp(g, out, inputs, needs, xp):
    return (xp.expand_dims(xp.expand_dims(g, -1), -1) * _mT(xp.inv(inputs[0])),)


def _logabsdet_jvp(t, out, inputs, xp):
    return _diagonal(xp.solve(inputs[0], t[0]), xp).sum(axis=-1)


LOGABSDET = defop(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1], _logabsdet_vjp, jvp=_logabsdet_jvp,
    math="log|det A|;  ∂/∂A = g·A⁻ᵀ",
    expose=[parsed("logabsdet", lambda a: ((_square(a, "logabsdet"),), {}), internal=True)],
)


class SlogdetResult(NamedTuple):
    """numpy.linalg.slogdet's result: sign (not differentiable) and log|det|."""

    sign: Tensor
    logabsdet: Tensor


@composite("slogdet")
def slogdet(a: Any) -> SlogdetResult:
    """numpy.linalg.slogdet: (sign, log|det A|); only log|det A| carries a gradient."""
    t = _square(a, "slogdet")
    try:
        sign, logabs = np.linalg.slogdet(t.data)  # one LAPACK call for both outputs
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"slogdet on shape {t.shape}: {exc}") from exc
    out = record(LOGABSDET, np.asarray(logabs), (t,), {}, t.requires_grad)
    return SlogdetResult(Tensor(np.asarray(sign)), out)


# ---- solve_triangular: the solves inside the decompositions' VJPs -----------------------------
def _scipy_solve_triangular() -> Any:
    try:  # the optional `scipy` extra: LAPACK's trtrs, O(n²) per right-hand side
        from scipy.linalg import solve_triangular

        solve_triangular(np.ones((1, 1, 1)), np.ones((1, 1, 1)))  # stacks: scipy >= 1.15
    except (ImportError, ValueError):
        return None
    return solve_triangular


_SCIPY_SOLVE_TRIANGULAR = _scipy_solve_triangular()


def _solve_triangular_forward(a: np.ndarray, b: np.ndarray, *, lower: bool) -> np.ndarray:
    """A⁻¹ B for a triangular A (..., n, n) and B (..., n, k), reading only A's triangle."""
    if _SCIPY_SOLVE_TRIANGULAR is not None and a.dtype == b.dtype:
        return _SCIPY_SOLVE_TRIANGULAR(a, b, lower=lower, check_finite=False)
    # without scipy: an LU solve of the triangle (exact, n³/3 more work than trtrs)
    n = a.shape[-1]
    keep = np.tri(n, dtype=bool) if lower else ~np.tri(n, k=-1, dtype=bool)
    return np.linalg.solve(np.where(keep, a, 0), b)


def _triangle(m: Any, lower: bool, xp: Any) -> Any:
    n = m.shape[-1]
    mask = _tril_mask(n, m, xp) if lower else _mT(_tril_mask(n, m, xp))
    return m * mask


def _solve_triangular_vjp(g, out, inputs, needs, xp, *, lower):
    a = inputs[0]
    gb = xp.solve_triangular(_mT(a), g, lower=not lower)  # A⁻ᵀ g   (..., n, k)
    ga = _triangle(-(gb @ _mT(out)), lower, xp) if needs[0] else None
    return ga, (gb if needs[1] else None)


def _solve_triangular_jvp(t, out, inputs, xp, *, lower):
    rhs = t[1]
    if t[0] is not None:
        moved = _triangle(t[0], lower, xp) @ out
        rhs = -moved if rhs is None else rhs - moved
    return xp.solve_triangular(inputs[0], rhs, lower=lower)


def _solve_triangular_parse(a: Any, b: Any, *, lower: bool) -> tuple:
    ta, tb = tensor_pair(a, b, "solve_triangular")
    return (floating(ta), floating(tb)), {"lower": bool(lower)}


SOLVE_TRIANGULAR = defop(
    "solve_triangular", _solve_triangular_forward, _solve_triangular_vjp,
    jvp=_solve_triangular_jvp,
    math="solve_triangular(A, B; lower) = A⁻¹ B, A triangular;  ∂/∂B = A⁻ᵀ g,  "
         "∂/∂A = tri(−(A⁻ᵀ g) Xᵀ)",
    expose=[parsed("solve_triangular", _solve_triangular_parse, internal=True,
                   on_arrays=lambda a, b, *, lower: _solve_triangular_forward(a, b,
                                                                              lower=lower))],
)


# ---- cholesky ---------------------------------------------------------------------------------
def _cholesky_parse(a: Any) -> tuple:
    return (_square(a, "cholesky"),), {}


def _cholesky_vjp(g, out, inputs, needs, xp):
    # A = L Lᵀ:  ∂/∂A = sym(L⁻ᵀ Φ(Lᵀ g) L⁻¹), Φ = lower triangle with the diagonal halved.
    lower = out
    # Two triangular solves (O(n³/3) each in LAPACK's trtrs), not two LU solves.
    phi = (_mT(lower) @ g) * (_tril_mask(g.shape[-1], g, xp) - 0.5 * _eye(g.shape[-1], g, xp))
    left = xp.solve_triangular(_mT(lower), phi, lower=False)  # L⁻ᵀ Φ
    # (L⁻ᵀ (L⁻ᵀ Φ)ᵀ)ᵀ = L⁻ᵀ Φ L⁻¹
    return (_sym(_mT(xp.solve_triangular(_mT(lower), _mT(left), lower=False))),)


def _cholesky_jvp(t, out, inputs, xp):
    # dL = L Φ(L⁻¹ dA L⁻ᵀ), dA = sym(t): the input is read as symmetric, as in the VJP.
    lower, n = out, out.shape[-1]
    half = xp.solve_triangular(lower, _sym(t[0]), lower=True)  # L⁻¹ dA
    inner = xp.solve_triangular(lower, _mT(half), lower=True)  # L⁻¹ dA L⁻ᵀ
    return lower @ (inner * (_tril_mask(n, inner, xp) - 0.5 * _eye(n, inner, xp)))


CHOLESKY = defop(
    "cholesky", np.linalg.cholesky, _cholesky_vjp, jvp=_cholesky_jvp,
    math="cholesky(A) = L, A = L Lᵀ;  ∂/∂A = sym(L⁻ᵀ Φ(Lᵀ g) L⁻¹), Φ = tril, diagonal halved",
    expose=[parsed("cholesky_lower", _cholesky_parse, internal=True,
                   on_arrays=np.linalg.cholesky)],
)


@composite("cholesky")
def cholesky(a: Any, /, *, upper: bool = False) -> Tensor:
    """numpy.linalg.cholesky: L with A = L Lᵀ (upper=True: U = Lᵀ); reads A's lower triangle."""
    lower = _apply_parsed(CHOLESKY, _cholesky_parse(a))
    return _mT(lower) if upper else lower


def _apply_parsed(prim: Any, parsed_args: tuple) -> Tensor:
    inputs, params = parsed_args
    return apply(prim, inputs, params)


# ---- eigh -------------------------------------------------------------------------------------
def _eigh_forward(a: np.ndarray, uplo: str = "L") -> np.ndarray:
    w, v = np.linalg.eigh(a, UPLO=uplo)  # LAPACK on the triangle numpy reads: numpy's signs
    return np.concatenate([w[..., None, :], v], axis=-2)  # (..., n + 1, n): [w; V]


def _eigh_vjp(g, out, inputs, needs, xp, uplo="L"):
    # ∂/∂A = V (diag(g_w) + skew(Vᵀ g_V) / (w_j − w_i)) Vᵀ   (PyTorch's formula, real case)
    w, vectors = out[..., 0, :], out[..., 1:, :]
    g_w, g_v = g[..., 0, :], g[..., 1:, :]
    inner = _diag(g_w, xp)
    if not _is_zero(g_v):
        projected = _mT(vectors) @ g_v
        inner = inner + (projected - _mT(projected)) * 0.5 * _gap_inverse(w, xp)
    return (vectors @ inner @ _mT(vectors),)


def _eigh_jvp(t, out, inputs, xp, uplo="L"):
    w, vectors = out[..., 0, :], out[..., 1:, :]
    rotated = _mT(vectors) @ _sym(t[0]) @ vectors  # Vᵀ dA V
    dw = _diagonal(rotated, xp)
    dv = vectors @ (rotated * _gap_inverse(w, xp))
    return xp.concatenate([xp.expand_dims(dw, -2), dv], axis=-2)


EIGH = defop(
    "eigh", _eigh_forward, _eigh_vjp, jvp=_eigh_jvp,
    math="eigh(A) = (w, V), A = V diag(w) Vᵀ;  ∂/∂A = V (diag(g_w) + skew(Vᵀg_V)/(w_j − w_i)) "
         "Vᵀ  (finite only for distinct eigenvalues)",
    expose=[parsed("eigh_packed", lambda a, uplo="L": ((_square(a, "eigh"),), {"uplo": uplo}),
                   internal=True)],
)


class EighResult(NamedTuple):
    """numpy.linalg.eigh's result: ascending eigenvalues and eigenvectors as columns."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def _eigh(a: Any, uplo: str, op: str) -> EighResult:
    t = _square(a, op)
    if uplo not in ("L", "U"):
        raise ValueError(f"{op}: UPLO must be 'L' or 'U', got {uplo!r}")
    # The derivatives treat A as symmetric (PyTorch's rule) whichever triangle is read; the
    # forward reads UPLO's triangle itself, so the eigenvectors' signs are numpy's too.
    packed = _apply_parsed(EIGH, ((t,), {"uplo": uplo}))
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


@composite("eigh")
def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803  (numpy's name)
    """numpy.linalg.eigh of a symmetric A: (w, V) with A = V diag(w) Vᵀ. Gradients are finite
    only for distinct eigenvalues (as in PyTorch) and for sign-invariant uses of V."""
    return _eigh(a, UPLO, "eigh")
@composite("eigvalsh")
def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:  # noqa: N803  (numpy's name)
    """numpy.linalg.eigvalsh: the ascending eigenvalues of a symmetric A."""
    return _eigh(a, UPLO, "eigvalsh").eigenvalues


# ---- svd --------------------------------------------------------------------------------------
def _finite_or_raise(a: np.ndarray, op: str) -> None:
    """LAPACK's SVD fails on NaN/Inf with 'did not converge': say what is wrong instead."""
    if not np.all(np.isfinite(a)):
        raise np.linalg.LinAlgError(f"{op}: the input of shape {a.shape} contains NaN or Inf; "
                                    "the SVD needs finite values")


def _svd_forward(a: np.ndarray) -> np.ndarray:
    _finite_or_raise(a, "svd")
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], _mT(vh)], axis=-2)  # (..., m + 1 + n, k)


def _svd_parts(packed: Any, m: int) -> tuple[Any, Any, Any]:
    return packed[..., :m, :], packed[..., m, :], packed[..., m + 1:, :]


def _svd_vjp(g, out, inputs, needs, xp):
    m, n = inputs[0].shape[-2:]
    k = min(m, n)
    u, s, v = _svd_parts(out, m)
    g_u, g_s, g_v = _svd_parts(g, m)
    s_row, s_col = xp.expand_dims(s, -2), xp.expand_dims(s, -1)
    inner = _diag(g_s, xp)
    use_u, use_v = not _is_zero(g_u), not _is_zero(g_v)
    if use_u or use_v:
        gaps = _gap_inverse(s * s, xp)  # 1 / (s_j² − s_i²)
    if use_u:
        x = gaps * (_mT(u) @ g_u)
        inner = inner + (x + _mT(x)) * s_row
    if use_v:
        y = gaps * (_mT(v) @ g_v)
        inner = inner + s_col * (y + _mT(y))
    grad = u @ inner @ _mT(v)
    if use_u and m > k:  # the part of g_U outside span(U): (I − U Uᵀ) g_U S⁻¹ Vᵀ
        grad = grad + ((g_u - u @ (_mT(u) @ g_u)) * (1.0 / s_row)) @ _mT(v)
    if use_v and n > k:  # U S⁻¹ g_Vᵀ (I − V Vᵀ)
        grad = grad + u @ ((1.0 / s_col) * (_mT(g_v) - (_mT(g_v) @ v) @ _mT(v)))
    return (grad,)


def _svd_jvp(t, out, inputs, xp):
    m, n = inputs[0].shape[-2:]
    k = min(m, n)
    u, s, v = _svd_parts(out, m)
    da = t[0]
    dp = _mT(u) @ da @ v  # (..., k, k)
    gaps = _gap_inverse(s * s, xp)
    s_row, s_col = xp.expand_dims(s, -2), xp.expand_dims(s, -1)
    du = u @ (gaps * (dp * s_row + s_col * _mT(dp)))
    dv = v @ (gaps * (s_col * dp + _mT(dp) * s_row))
    if m > k:
        dav = da @ v
        du = du + (dav - u @ (_mT(u) @ dav)) * (1.0 / s_row)
    if n > k:
        datu = _mT(da) @ u
        dv = dv + (datu - v @ (_mT(v) @ datu)) * (1.0 / s_row)
    return xp.concatenate([du, xp.expand_dims(_diagonal(dp, xp), -2), dv], axis=-2)


SVD = defop(
    "svd", _svd_forward, _svd_vjp, jvp=_svd_jvp,
    math="svd(A) = (U, s, Vᵀ), reduced;  ∂/∂A = U (diag(g_s) + sym-gap terms) Vᵀ + the parts "
         "of g_U, g_V outside span(U), span(V)  (finite only for distinct singular values)",
    expose=[parsed("svd_packed", lambda a: ((_matrix(a, "svd"),), {}), internal=True)],
)


class SVDResult(NamedTuple):
    """numpy.linalg.svd's result: A = U diag(S) Vh."""

    U: Tensor
    S: Tensor
    Vh: Tensor


@composite("svd")
def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """numpy.linalg.svd. Gradients flow through the reduced factors (finite for distinct
    singular values and sign-invariant uses of U, Vh); with full_matrices=True the extra
    columns of U (rows of Vh) are constants, as in PyTorch. `hermitian` is accepted for numpy
    compatibility; the general SVD is computed (same S, U and Vh up to signs)."""
    t = _matrix(a, "svd")
    m, n = t.shape[-2:]
    k = min(m, n)
    u, s, v = _svd_parts(_apply_parsed(SVD, ((t,), {})), m)
    if not compute_uv:
        return s
    vh = _mT(v)
    if full_matrices and m != n:
        with_extra = np.linalg.svd(t.data, full_matrices=True)
        concatenate = TENSOR_FUNCTIONS["concatenate"]
        if m > k:
            u = concatenate([u, Tensor(with_extra.U[..., :, k:])], axis=-1)
        if n > k:
            vh = concatenate([vh, Tensor(with_extra.Vh[..., k:, :])], axis=-2)
    return SVDResult(u, s, vh)


# ---- qr ---------------------------------------------------------------------------------------
def _qr_forward(a: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(a)  # m >= n: Q (m, n), R (n, n)
    return np.concatenate([q, _mT(r)], axis=-2)  # (..., m + n, n): [Q; Rᵀ]


def _qr_vjp(g, out, inputs, needs, xp):
    # m >= n:  ∂/∂A = (g_Q + Q copyutl(M)) R⁻ᵀ,  M = g_R Rᵀ − Qᵀ g_Q,
    # copyutl(M) = triu(M) + triu(M, 1)ᵀ  (derived from QᵀdQ antisymmetric, dR R⁻¹ upper)
    m, n = inputs[0].shape[-2:]
    q, r = out[..., :m, :], _mT(out[..., m:, :])
    g_q, g_r = g[..., :m, :], _mT(g[..., m:, :])
    big_m = g_r @ _mT(r) - _mT(q) @ g_q
    upper = 1.0 - _tril_mask(n, g, xp, -1)
    strict_upper = 1.0 - _tril_mask(n, g, xp)
    copied = big_m * upper + _mT(big_m * strict_upper)
    return (_mT(xp.solve_triangular(r, _mT(g_q + q @ copied), lower=False)),)


def _qr_jvp(t, out, inputs, xp):
    m, n = inputs[0].shape[-2:]
    q, r = out[..., :m, :], _mT(out[..., m:, :])
    b = _mT(xp.solve_triangular(_mT(r), _mT(t[0]), lower=True))  # dA R⁻¹
    c = _mT(q) @ b
    lower = c * _tril_mask(n, c, xp, -1)
    d = c - (lower - _mT(lower))  # dR R⁻¹ (upper triangular)
    return xp.concatenate([b - q @ d, _mT(d @ r)], axis=-2)


QR = defop(
    "qr", _qr_forward, _qr_vjp, jvp=_qr_jvp,
    math="qr(A) = (Q, R), m ≥ n;  ∂/∂A = (g_Q + Q copyutl(g_R Rᵀ − Qᵀg_Q)) R⁻ᵀ",
    expose=[parsed("qr_packed", lambda a: ((_matrix(a, "qr"),), {}), internal=True)],
)


class QRResult(NamedTuple):
    """numpy.linalg.qr's result: A = Q R."""

    Q: Tensor
    R: Tensor


def _tall_qr(t: Tensor) -> tuple[Tensor, Tensor]:
    m = t.shape[-2]
    packed = _apply_parsed(QR, ((t,), {}))
    return packed[..., :m, :], _mT(packed[..., m:, :])


@composite("qr")
def qr(a: Any, mode: str = "reduced") -> Any:
    """numpy.linalg.qr (modes 'reduced', 'complete', 'r'; 'raw' without gradients). A wide
    A = [X | Y] is Q [U | Qᵀ Y] with Q, U = qr(X), so one formula serves every shape."""
    t = _matrix(a, "qr")
    m, n = t.shape[-2:]
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: unknown mode {mode!r}; expected 'reduced', 'complete', 'r' or "
                         "'raw'")
    tracked = (t.requires_grad and STATE.grad_enabled) or forward_active()
    if mode == "raw" or (mode == "complete" and m > n):
        if tracked:
            raise ValueError(f"qr: mode={mode!r} on shape {t.shape} is not differentiable (the "
                             "extra columns of Q are not unique); use mode='reduced'")
        result = np.linalg.qr(t.data, mode=mode)
        return tuple(Tensor(x) for x in result)
    if m >= n:
        q, r = _tall_qr(t)
    else:
        q, u = _tall_qr(t[..., :, :m])
        r = TENSOR_FUNCTIONS["concatenate"]([u, _mT(q) @ t[..., :, m:]], axis=-1)
    return r if mode == "r" else QRResult(q, r)


# ---- pinv, lstsq ------------------------------------------------------------------------------
_UNSET = object()


def _pinv_parse(a: Any, rcond: Any = None, hermitian: bool = False, *,
                rtol: Any = _UNSET) -> tuple:
    params: dict[str, Any] = {"rcond": rcond, "hermitian": bool(hermitian)}
    if rtol is not _UNSET:
        params["rtol"] = rtol
    return (_matrix(a, "pinv"),), params


def _pinv_vjp(g, out, inputs, needs, xp, **params):
    # Golub & Pereyra, valid where the rank is locally constant (X = A⁺):
    # ∂/∂A = −Xᵀ g Xᵀ + (I − A X) gᵀ X Xᵀ + Xᵀ X gᵀ (I − X A)
    a, x = inputs[0], out
    k = _mT(g) @ (x @ _mT(x))  # gᵀ X Xᵀ  (m, n)
    h = (_mT(x) @ x) @ _mT(g)  # Xᵀ X gᵀ  (m, n)
    return (-(_mT(x) @ g @ _mT(x)) + (k - a @ (x @ k)) + (h - (h @ x) @ a),)


def _pinv_jvp(t, out, inputs, xp, **params):
    a, x, da = inputs[0], out, t[0]
    left = (x @ _mT(x)) @ _mT(da)  # X Xᵀ dAᵀ   (n, m)
    right = _mT(da) @ (_mT(x) @ x)  # dAᵀ Xᵀ X   (n, m)
    return -(x @ da @ x) + (left - (left @ a) @ x) + (right - x @ (a @ right))


def _pinv_forward(a: np.ndarray, **params: Any) -> np.ndarray:
    _finite_or_raise(a, "pinv")
    return np.linalg.pinv(a, **params)


PINV = defop(
    "pinv", _pinv_forward, _pinv_vjp, jvp=_pinv_jvp,
    math="pinv(A) = A⁺;  ∂/∂A = −A⁺ᵀ g A⁺ᵀ + (I − A A⁺) gᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ gᵀ (I − A⁺ A)  "
         "(rank locally constant)",
    expose=[parsed("pinv", _pinv_parse)],
)


@composite("lstsq")
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """numpy.linalg.lstsq: (x, residuals, rank, s) minimising ‖b − a x‖; x = pinv(a) b and the
    residuals carry gradients, rank and s are constants."""
    ta, tb = tensor_pair(a, b, "lstsq")
    ta, tb = floating(ta), floating(tb)
    if ta.ndim != 2 or tb.ndim not in (1, 2) or tb.shape[0] != ta.shape[0]:
        raise ShapeError(f"lstsq: a {ta.shape} and b {tb.shape} do not fit; expected a (m, n) "
                         f"and b ({ta.shape[0] if ta.ndim else 'm'},) or (m, k)")
    m, n = ta.shape
    dtype = np.result_type(ta.dtype, tb.dtype)
    if ta.dtype != dtype:  # numpy solves in the common dtype (float32 a, float64 b: float64)
        ta = ta.astype(dtype)
    eps = float(np.finfo(dtype).eps)
    if isinstance(rcond, np.ndarray) and rcond.ndim == 0:  # numpy reads it as its number
        rcond = rcond[()]
    if rcond is not None:
        rcond = real(rcond, "lstsq", "rcond (the relative cutoff for small singular values)")
    cutoff = eps * max(m, n) if rcond is None else (eps if rcond < 0 else rcond)
    _finite_or_raise(ta.data, "lstsq")
    _finite_or_raise(tb.data, "lstsq")
    _, _, rank, s = np.linalg.lstsq(ta.data.astype(dtype), tb.data.astype(dtype), rcond=cutoff)
    x = _apply_parsed(PINV, _pinv_parse(ta, cutoff)) @ tb
    if rank == n and m > n:
        residual = tb - ta @ x
        residuals = (residual * residual).sum(axis=0).reshape(-1)  # (k,), (1,) for 1-d b
    else:
        residuals = Tensor(np.zeros(0, dtype=dtype))
    return x, residuals, int(rank), Tensor(s)


__all__ = ["CHOLESKY", "DET", "EIGH", "INV", "LOGABSDET", "PINV", "QR", "SOLVE", "SOLVE_TRIANGULAR",
           "SVD",
           "EighResult", "QRResult", "SVDResult", "SlogdetResult", "cholesky", "eigh",
           "eigvalsh", "lstsq", "qr", "slogdet", "svd"]
