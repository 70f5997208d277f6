"""Module, Parameter, Sequential and ModuleList: parameters found by walking attributes.

A module's members are its attributes, in assignment order: Parameters, sub-Modules, buffers
registered with `register_buffer`, and lists or tuples of Parameters or Modules. Nothing is
hidden behind `__getattr__`/`__setattr__`, so a misspelt attribute fails the usual way.
Forward hooks (`register_forward_hook`) are the one way to observe or change a module's output
from outside; graph drawing and the gradient monitor use them or the scope recorder below.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar, overload

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.scope import record_call

__all__ = [
    "IncompatibleKeys", "Module", "ModuleList", "Parameter", "RemovableHandle", "Sequential",
    "zero_grads",
]

M = TypeVar("M", bound="Module")
ForwardHook = Callable[["Module", tuple[Any, ...], Any], Any]
_hook_ids = itertools.count()
# False until the first forward hook anywhere, so `__call__` without hooks pays one global read:
# same-process A/B of a no-op module, min of 30×3×20000 calls: 233 ns with this flag, 230 ns
# before hooks existed, 248 ns when testing `self._forward_hooks` on every call.
_hooks_registered = False


class Parameter(Tensor):
    """A Tensor that a Module owns and trains: requires_grad=True, floating dtype.

    A floating array is shared, as with Tensor, unless it is read-only (a broadcast view, a
    read-only memory map): optimizers update parameters in place, so those are copied.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, dtype=dtype)
        if self.data.dtype.kind != "f":
            raise TypeError(f"Parameter: needs a floating dtype, got {self.data.dtype}")
        if not self.data.flags.writeable:
            self.data = np.array(self.data)  # writable, and no longer aliasing broadcast entries
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor"):]


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped: keys the model has but the state lacks,
    and keys the state has but the model does not."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _tensor_array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def zero_grads(parameters: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Forget accumulated gradients: `grad = None` (default) or zeros, in place where the
    gradient array is writable (a read-only one, e.g. a broadcast view, is replaced).

    The one body behind `Module.zero_grad` and `Optimizer.zero_grad`."""
    for p in parameters:
        grad = p.grad
        if set_to_none or grad is None:
            p.grad = None
        elif grad.data.flags.writeable and not grad.requires_grad:
            grad.data.fill(0)
        else:
            p.grad = np.zeros_like(p.data)


class RemovableHandle:
    """Returned by `register_forward_hook`: `handle.remove()` (or a `with` block) detaches it."""

    def __init__(self, hooks: dict[int, ForwardHook], key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        """Detach the hook; removing twice is harmless."""
        self._hooks.pop(self._key, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _float_dtype(who: str, dtype: Any) -> np.dtype:
    try:
        resolved: np.dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{who}: expected a floating dtype such as np.float64, got "
                        f"{dtype!r}") from None
    if resolved.kind != "f":
        raise TypeError(f"{who}: parameters must stay floating point; got dtype {resolved} "
                        "(use np.float16, np.float32 or np.float64)")
    return resolved


def _check_module(who: str, item: Any, where: str) -> None:
    """Raise a TypeError that says how to fix the usual mistakes (a class, a function)."""
    if isinstance(item, Module):
        return
    if isinstance(item, type) and issubclass(item, Module):
        hint = f"; did you mean {_spelling(item)}()? (a layer is an instance, not its class)"
        raise TypeError(f"{who}: {where} is the class {item.__name__}, not a module{hint}")
    if callable(item):
        raise TypeError(f"{who}: {where} is a function ({getattr(item, '__name__', item)!r}), "
                        "not a Module; use the matching module (e.g. nn.ReLU() for relu) or "
                        "wrap it in a Module subclass whose forward calls it")
    raise TypeError(f"{who}: {where} is a {type(item).__name__}, not a Module")


def _spelling(cls: type) -> str:
    """`nn.ReLU` for nn's own classes, the bare class name for a user's."""
    return f"nn.{cls.__name__}" if cls.__module__.split(".")[0] == "nn" else cls.__name__


class Module:
    """Base class of every layer and model: override `forward`; call the module itself.

    `training` is True until `eval()`; parameters, buffers and children are discovered from
    attributes, so subclasses need not call `super().__init__()` unless they register buffers.
    """

    training: bool = True
    _buffer_names: tuple[str, ...] = ()
    _forward_hooks: dict[int, ForwardHook] = {}  # shared empty default; never mutated

    def __init__(self) -> None:
        self.training = True

    # ---- calling -------------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Tensor:
        """Run `forward`, then the forward hooks; typed as returning a Tensor, which every
        module of nn does (a subclass returning something else can annotate its own)."""
        output = self.forward(*inputs, **kwargs)
        if _hooks_registered and self._forward_hooks:
            output = self._run_forward_hooks(inputs, output)
        record_call(self, inputs, output)  # one global read unless graphs are being drawn
        return output  # type: ignore[no-any-return]

    def register_forward_hook(self, hook: ForwardHook) -> RemovableHandle:
        """Call `hook(module, inputs, output)` after every `forward` of this module; a hook
        that returns something other than None replaces the output (PyTorch's rule)."""
        if not callable(hook):
            raise TypeError(f"register_forward_hook: expected a callable(module, inputs, "
                            f"output), got {type(hook).__name__}")
        global _hooks_registered
        _hooks_registered = True
        if "_forward_hooks" not in vars(self):
            self._forward_hooks = {}
        key = next(_hook_ids)
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def _run_forward_hooks(self, inputs: tuple[Any, ...], output: Any) -> Any:
        for hook in list(self._forward_hooks.values()):  # a hook may remove itself
            result = hook(self, inputs, output)
            if result is not None:
                output = result
        return output

    # ---- members -------------------------------------------------------------------------
    def register_buffer(self, name: str, value: Any) -> None:
        """Attach non-trained state (e.g. running statistics) saved in `state_dict`; None is
        allowed and skipped."""
        if not name.isidentifier():
            raise ValueError(f"register_buffer: {name!r} is not a valid attribute name")
        if value is not None and not isinstance(value, Tensor):
            value = Tensor(np.asarray(value), dtype=np.asarray(value).dtype)
        if isinstance(value, Parameter):
            raise TypeError(f"register_buffer: {name!r} is a Parameter; assign it instead")
        setattr(self, name, value)
        if name not in self._buffer_names:
            self._buffer_names = (*self._buffer_names, name)

    def _members(self) -> Iterator[tuple[str, Any]]:
        """Direct members in assignment order: (name, Parameter | Module | buffer Tensor)."""
        buffers = self._buffer_names
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif name in buffers:
                if value is not None:
                    yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Parameter, Module)):
                        yield f"{name}.{i}", item

    def _walk(self, prefix: str, seen: set[int]) -> Iterator[tuple[str, str, Any]]:
        """(kind, dotted path, object) for every member below, each object once."""
        for name, value in self._members():
            if id(value) in seen:
                continue  # shared parameter or module: reported under its first name only
            seen.add(id(value))
            path = prefix + name
            if isinstance(value, Module):
                yield "module", path, value
                yield from value._walk(path + ".", seen)
            else:
                yield ("parameter" if isinstance(value, Parameter) else "buffer"), path, value

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted path, parameter) pairs in assignment order, shared parameters once."""
        for kind, path, value in self._walk("", {id(self)}):
            if kind == "parameter":
                yield path, value

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter once, in the order of `named_parameters`."""
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """(dotted path, buffer) pairs for registered non-None buffers."""
        for kind, path, value in self._walk("", {id(self)}):
            if kind == "buffer":
                yield path, value

    def buffers(self) -> Iterator[Tensor]:
        """Every registered buffer once."""
        for _, b in self.named_buffers():
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names (list items as `name.i`)."""
        seen: set[int] = set()
        for name, value in self._members():
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        """Direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def named_modules(self) -> Iterator[tuple[str, Module]]:
        """This module (path '') and every descendant, depth-first in assignment order."""
        yield "", self
        for kind, path, value in self._walk("", {id(self)}):
            if kind == "module":
                yield path, value

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, m in self.named_modules():
            yield m

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Number of scalar parameters (each shared parameter counted once)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def apply(self: M, fn: Callable[[Module], Any]) -> M:
        """Call `fn(module)` on every descendant, children first, then on this module (as in
        PyTorch, e.g. to re-initialise every Linear)."""
        for m in reversed(list(self.modules())):
            fn(m)
        return self

    # ---- modes and gradients ---------------------------------------------------------------
    def train(self: M, mode: bool = True) -> M:
        """Set training mode here and in every descendant (affects Dropout, BatchNorm)."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self: M) -> M:
        """Evaluation mode: same as `train(False)`."""
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: `grad = None` (default) or zero-filled in place."""
        zero_grads(self.parameters(), set_to_none)

    # ---- dtype and device --------------------------------------------------------------------
    def to(self: M, *args: Any, dtype: Any = None, device: Any = None) -> M:
        """Cast every floating parameter, gradient and buffer to `dtype`, in place (the tensors
        stay the same objects); integer buffers such as `num_batches_tracked` keep theirs.

        Accepts PyTorch's spellings: `to(np.float64)`, `to("float64")`, `to("cpu")`,
        `to("cpu", np.float64)`, `to(dtype=...)`, `to(other_tensor)`. Layers cast their input
        to their parameters' dtype, so a model moved to float64 computes in float64. Create the
        optimizer after the cast (its state keeps the dtype it was made with).
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif _is_device(arg):
                device = arg
            elif dtype is None:
                dtype = arg
            else:
                raise TypeError(f"{type(self).__name__}.to: got two dtypes ({dtype!r} and "
                                f"{arg!r})")
        if device is not None:
            _check_device(type(self).__name__, device)
        if dtype is None:
            return self
        target = _float_dtype(f"{type(self).__name__}.to", dtype)
        with am.no_grad():
            for value in self._state_entries().values():
                if value.dtype.kind == "f" and value.dtype != target:
                    _cast_in_place(value, target)
        return self

    def double(self: M) -> M:
        """Parameters and floating buffers to float64: `to(np.float64)`."""
        return self.to(np.float64)

    def float(self: M) -> M:
        """Parameters and floating buffers to float32 (nn's default): `to(np.float32)`."""
        return self.to(np.float32)

    def half(self: M) -> M:
        """Parameters and floating buffers to float16: `to(np.float16)`."""
        return self.to(np.float16)

    def cpu(self: M) -> M:
        """A no-op, for PyTorch code: autograd_mini always computes on the CPU."""
        return self

    def cuda(self: M, device: Any = None) -> M:
        """Refused with an explanation: autograd_mini computes with numpy on the CPU."""
        _check_device(type(self).__name__, "cuda")
        return self

    # ---- state -----------------------------------------------------------------------------
    def _state_entries(self) -> dict[str, Tensor]:
        return {path: value for kind, path, value in self._walk("", {id(self)})
                if kind != "module"}

    def state_dict(self) -> dict[str, np.ndarray]:
        """A snapshot {dotted path: array copy} of parameters and buffers, in walk order."""
        return {path: value.data.copy() for path, value in self._state_entries().items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays into parameters and buffers in place (cast to their dtype).

        Every key is checked before anything is copied: missing or unexpected keys (when
        strict) and shape mismatches (always) raise one ValueError that names all of them.
        """
        own = self._state_entries()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        arrays: dict[str, np.ndarray] = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            array = _tensor_array(state_dict[key])
            if array.shape != target.shape:
                hint = ""
                if array.ndim == 2 and array.shape == target.shape[::-1]:
                    hint = (" (transposed? nn.Linear stores weight as (in, out), PyTorch as "
                            "(out, in): pass weight.T)")
                mismatched.append(f"{key!r}: checkpoint {array.shape}, model {target.shape}"
                                  + hint)
            elif array.dtype.kind not in "biuf":
                mismatched.append(f"{key!r}: checkpoint dtype {array.dtype} is not numeric")
            else:
                arrays[key] = array
        problems = []
        if strict and missing:
            problems.append(f"missing keys {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys {unexpected}")
        if mismatched:
            problems.append("mismatched entries: " + "; ".join(mismatched))
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__}: " + ", ".join(problems))
        with am.no_grad():
            for key, array in arrays.items():
                own[key].copy_(array)  # in place: optimizers keep referring to the same tensors
        return IncompatibleKeys(missing, unexpected)

    # ---- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """Constructor arguments shown inside the parentheses of `repr`."""
        return ""

    def _repr_lines(self) -> str:
        children = list(self.named_children())
        own = sum(p.size for name, p in self._members() if isinstance(p, Parameter))
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            count = child.num_parameters()
            note = f"  # {count:,} params" if count else ""
            first, *rest = child._repr_lines().split("\n")
            lines.append(f"  ({name}): {first}{note}")  # the count follows the child's head
            lines.extend("  " + line for line in rest)
        if own:
            lines.append(f"  # {own:,} own params")
        return "\n".join(lines) + "\n)"

    def __repr__(self) -> str:
        total = self.num_parameters()
        text = self._repr_lines()
        return f"{text}  # {total:,} parameters" if total or list(self.children()) else text


class Sequential(Module):
    """Modules applied in order: `Sequential(Linear(2, 8), ReLU(), Linear(8, 1))(x)`."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if len(layers) == 1 and isinstance(layers[0], Mapping):
            raise TypeError("Sequential: got a dict of layers; nn.Sequential takes the modules "
                            "themselves: Sequential(*layers.values())")
        for i, layer in enumerate(layers):
            _check_module("Sequential", layer, f"item {i}")
        self.layers: list[Module] = list(layers)

    def _members(self) -> Iterator[tuple[str, Any]]:
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module | Sequential:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def append(self, layer: Module) -> Sequential:
        """Add a module at the end."""
        _check_module("Sequential.append", layer, "the argument")
        self.layers.append(layer)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent discovers (paths `name.0`, `name.1`)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.items: list[Module] = []
        for m in modules:
            self.append(m)

    def _members(self) -> Iterator[tuple[str, Any]]:
        for i, m in enumerate(self.items):
            yield str(i), m

    def append(self, module: Module) -> ModuleList:
        """Add a module at the end."""
        _check_module("ModuleList", module, "the item")
        self.items.append(module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add several modules at the end."""
        for m in modules:
            self.append(m)
        return self

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...
    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return ModuleList(self.items[index])
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.items)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList holds modules; iterate over it and call them")


def _is_device(value: Any) -> bool:
    return isinstance(value, str) and value.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta")


def _check_device(who: str, device: Any) -> None:
    """'cpu' is accepted (a no-op); any other device gets an explanation."""
    if str(device).split(":")[0] != "cpu":
        raise ValueError(f"{who}.to: device {str(device)!r} is not available: autograd_mini "
                         "computes with numpy on the CPU; drop the .to(device) / .cuda() call")


def _cast_in_place(tensor: Tensor, dtype: np.dtype) -> None:
    """Give `tensor` (and its gradient) `dtype`, keeping the object, and bump its version so
    a graph recorded before the cast fails at backward instead of mixing dtypes."""
    tensor.data = tensor.data.astype(dtype)
    tensor.copy_(tensor.data)  # a no-op write through the public API, which marks it changed
    grad = tensor.grad
    if grad is not None:
        tensor.grad = am.astype(grad.detach(), dtype)
