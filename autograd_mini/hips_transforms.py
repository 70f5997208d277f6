"""HIPS autograd's other transform names, built on `autograd_mini.func`'s transforms.

make_vjp, make_jvp, deriv, make_hvp, hessian_tensor_product, tensor_jacobian_product (and
vector_jacobian_product), make_ggnvp, grad_and_aux, grad_named, multigrad_dict, checkpoint:
signatures and return conventions follow HIPS autograd 1.9 (`make_vjp` returns (vjp, value)
where JAX's `vjp` returns (value, vjp)). `holomorphic_grad` is absent: there are no complex
numbers here. Import them from `autograd_mini.func`, the public namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor
from .transforms import Argnums, _argnums, _flatten, grad, hvp, jacrev, jvp, vjp

__all__ = ["checkpoint", "deriv", "grad_and_aux", "grad_named", "hessian_tensor_product",
           "make_ggnvp", "make_hvp", "make_jvp", "make_vjp", "multigrad_dict",
           "tensor_jacobian_product", "vector_jacobian_product"]


def _substituted(fun: Callable, args: tuple, kwargs: dict, positions: tuple[int, ...]
                 ) -> Callable:
    """fun as a function of the arguments at `positions` only, the others held fixed."""
    def of_selected(*values: Any) -> Any:
        call = list(args)
        for p, v in zip(positions, values):
            call[p] = v
        return fun(*call, **kwargs)

    return of_selected


def _selected(args: tuple, positions: tuple[int, ...], where: str) -> list[Any]:
    if any(not -len(args) <= p < len(args) for p in positions):
        raise ValueError(f"{where}: argnum {positions} out of range for {len(args)} positional "
                         "arguments")
    return [args[p] for p in positions]


def _scalar_if_0d(value: Any) -> Any:
    """A 0-d array as numpy's scalar (HIPS hands back the function's own float)."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def make_vjp(fun: Callable, argnum: Argnums = 0) -> Callable:
    """HIPS's make_vjp: `make_vjp(f, argnum)(*args)` is (vjp_fn, f(*args)), vjp_fn(g) = gᵀJ
    for argument `argnum` (a tuple of them for a tuple argnum)."""
    positions, single = _argnums(argnum, None, "make_vjp")

    def at(*args: Any, **kwargs: Any) -> tuple[Callable, Any]:
        value, pullback = vjp(_substituted(fun, args, kwargs, positions),
                              *_selected(args, positions, "make_vjp"))

        def vjp_fn(g: Any) -> Any:
            grads = pullback(g)
            return grads[0] if single else grads

        return vjp_fn, _scalar_if_0d(value)

    return at


def make_jvp(fun: Callable, argnum: Argnums = 0) -> Callable:
    """HIPS's make_jvp: `make_jvp(f, argnum)(*args)(v)` is (f(*args), J·v), by forward mode."""
    positions, single = _argnums(argnum, None, "make_jvp")

    def at(*args: Any, **kwargs: Any) -> Callable:
        primals = _selected(args, positions, "make_jvp")
        along = _substituted(fun, args, kwargs, positions)

        def jvp_fn(v: Any) -> tuple[Any, Any]:
            value, tangent = jvp(along, primals, (v,) if single else tuple(v))
            return _scalar_if_0d(value), _scalar_if_0d(tangent)

        return jvp_fn

    return at


def deriv(fun: Callable, argnum: int = 0) -> Callable:
    """HIPS's deriv: J·1, the derivative along all-ones (df/dx for a scalar x), forward mode."""
    positions, single = _argnums(argnum, None, "deriv")
    if not single:
        raise TypeError(f"deriv: argnum must be one int, got {argnum!r}")

    def derivative(*args: Any, **kwargs: Any) -> Any:
        leaves, rebuild = _flatten(_selected(args, positions, "deriv")[0])
        ones = rebuild([np.ones(np.shape(v.data if isinstance(v, Tensor) else v))
                        for v in leaves])
        return make_jvp(fun, argnum)(*args, **kwargs)(ones)[1]

    return derivative


def make_hvp(fun: Callable, argnum: int = 0) -> Callable:
    """HIPS's make_hvp: `make_hvp(f, argnum)(*args)` is (v -> vᵀH, grad f(*args)): the forward
    and reverse pass of grad are done once, each product is one more reverse pass."""
    return make_vjp(grad(fun, argnum), argnum)


def hessian_tensor_product(fun: Callable, argnum: int = 0) -> Callable:
    """HIPS's hessian_tensor_product (= hessian_vector_product = hvp): `(*args, V)` -> H·V,
    V shaped like argument `argnum`, one forward-over-reverse pass."""
    return hvp(fun, argnum)


def tensor_jacobian_product(fun: Callable, argnum: Argnums = 0) -> Callable:
    """HIPS's tensor_jacobian_product (= vector_jacobian_product): `(*args, V)` -> V
    contracted with the leading V.ndim axes of the Jacobian (gᵀJ when V has f's shape)."""
    def product(*args: Any, **kwargs: Any) -> Any:
        from .numpy import tensordot

        *primals, tensor = args
        ndim = np.ndim(tensor.data if isinstance(tensor, Tensor) else tensor)

        def contracted(*xs: Any, **kw: Any) -> Any:
            return tensordot(tensor, fun(*xs, **kw), axes=ndim)

        return jacrev(contracted, argnum)(*primals, **kwargs)

    return product


vector_jacobian_product = tensor_jacobian_product


def _half_squared_norm(y: Any) -> Any:
    from .numpy import sum as total

    return 0.5 * total(y ** 2, axis=-1)


def make_ggnvp(f: Callable, g: Callable = _half_squared_norm, f_argnum: int = 0) -> Callable:
    """HIPS's make_ggnvp: `make_ggnvp(f, g)(*args)(v)` is Jᵀ·H_g·J·v, the generalized
    Gauss-Newton product of g∘f (J of f at args, H_g the Hessian of scalar g at f(args))."""
    def at(*args: Any, **kwargs: Any) -> Callable:
        f_vjp, f_x = make_vjp(f, f_argnum)(*args, **kwargs)
        g_hvp, _ = make_hvp(g)(f_x)
        f_jvp = make_jvp(f, f_argnum)(*args, **kwargs)

        def ggnvp(v: Any) -> Any:
            return f_vjp(g_hvp(f_jvp(v)[1]))

        return ggnvp

    return at


def grad_and_aux(fun: Callable, argnum: Argnums = 0) -> Callable:
    """HIPS's grad_and_aux: for fun returning (scalar, aux), (gradient of the scalar, aux)."""
    return grad(fun, argnum, has_aux=True)


def _signature(fun: Callable, where: str) -> Any:
    import inspect

    try:
        return inspect.signature(fun)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: cannot read the parameters of {fun!r}: {exc}") from None


def grad_named(fun: Callable, argname: str) -> Callable:
    """HIPS's grad_named: the gradient with respect to the parameter called `argname`."""
    names = [name for name, p in _signature(fun, "grad_named").parameters.items()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if argname not in names:
        raise ValueError(f"grad_named: {getattr(fun, '__name__', fun)!r} has no positional "
                         f"parameter {argname!r}; its positional parameters are {names}")
    return grad(fun, names.index(argname))


def multigrad_dict(fun: Callable) -> Callable:
    """HIPS's multigrad_dict: the gradient with respect to every parameter at once, as an
    OrderedDict {name: gradient} in signature order (defaults included; *args as a tuple,
    **kwargs as a dict)."""
    from collections import OrderedDict

    signature = _signature(fun, "multigrad_dict")

    def gradients(*args: Any, **kwargs: Any) -> dict:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        names = list(bound.arguments)

        def of_all(values: dict) -> Any:
            call = signature.bind_partial()
            call.arguments.update(values)
            return fun(*call.args, **call.kwargs)

        grads = grad(of_all)(dict(bound.arguments))
        return OrderedDict((name, grads[name]) for name in names)

    return gradients


def checkpoint(fun: Callable) -> Callable:
    """HIPS's checkpoint: fun as one primitive whose forward keeps no graph; its VJP runs fun
    again under make_vjp (memory traded for a second forward pass). Reverse mode only."""
    from .extend import UserPrimitive

    return _Checkpointed(fun) if not isinstance(fun, UserPrimitive) else fun


class _Checkpointed:
    """A checkpointed function: a UserPrimitive whose rules exist for every position."""

    def __init__(self, fun: Callable) -> None:
        import functools

        from .extend import UserPrimitive

        functools.update_wrapper(self, fun)
        self.fun = fun
        self.primitive = UserPrimitive(fun)
        self.primitive.vjp_makers = _EveryPosition(self._vjp_maker)
        self.primitive.jvp_rules = _EveryPosition(self._jvp_rule)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.primitive(*args, **kwargs)

    def _vjp_maker(self, position: int) -> Callable:
        def maker(ans: Any, *args: Any, **kwargs: Any) -> Callable:
            return make_vjp(self.fun, position)(*args, **kwargs)[0]

        return maker

    def _jvp_rule(self, position: int) -> Callable:
        def rule(t: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(
                f"checkpoint({getattr(self.fun, '__name__', 'function')}): forward mode (jvp, "
                "jacfwd, hessian, deriv) cannot pass through a checkpointed function, only "
                "reverse mode (grad, jacrev, grad of grad) can, as in HIPS autograd")

        return rule


class _EveryPosition(dict):
    """A rule table answering every positional argument (fun may take *args)."""

    def __init__(self, make: Callable[[int], Callable]) -> None:
        super().__init__()
        self.make = make

    def get(self, position: int, default: Any = None) -> Any:
        return self.make(position)
