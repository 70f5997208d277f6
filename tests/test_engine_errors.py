"""Pitfall guards: each misuse raises a clear error that names the op and what to do."""

from __future__ import annotations

import inspect
import os
import re
import warnings

import numpy as np
import pytest

import autograd_mini as am


def leaf(values, dtype=np.float64):
    return am.tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---- backward misuse --------------------------------------------------------------------------
def test_second_backward_raises_and_mentions_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    first = x.grad.data.copy()
    with pytest.raises(am.AutogradError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad, first)  # never a silent doubled gradient


def test_backward_through_a_freed_intermediate_raises():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.sum().backward()
    with pytest.raises(am.AutogradError, match="mul.*retain_graph"):
        (h * 3.0).sum().backward()


def test_grad_without_retain_graph_frees_the_graph():
    x = leaf([1.0])
    y = (x * x).sum()
    am.grad(y, x)
    with pytest.raises(am.AutogradError, match="retain_graph"):
        am.grad(y, x)


def test_non_scalar_backward_needs_grad_output():
    x = leaf([1.0, 2.0])
    with pytest.raises(am.AutogradError, match=r"shape \(2,\).*grad_output"):
        (x * 2.0).backward()


def test_grad_output_shape_mismatch_names_both_shapes():
    x = leaf([1.0, 2.0])
    with pytest.raises(am.ShapeError, match=r"\(3,\).*\(2,\)"):
        (x * 2.0).backward(np.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(am.AutogradError, match="requires_grad"):
        am.tensor([1.0]).sum().backward()


def test_requires_grad_on_integer_tensor_raises_type_error():
    with pytest.raises(TypeError, match="floating"):
        am.tensor([1, 2], dtype=np.int64, requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        am.tensor(np.array([True]), dtype=bool).requires_grad_()


def test_integer_data_becomes_float64_and_can_require_grad():
    x = am.tensor([1, 2], requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad


def test_requires_grad_cannot_change_on_non_leaf():
    y = leaf([1.0]) * 2.0
    with pytest.raises(am.AutogradError, match="leaf"):
        y.requires_grad_(False)


# ---- in-place changes -------------------------------------------------------------------------
@pytest.mark.parametrize("update", ["-=", "+=", "*=", "/=", "zero_", "fill_", "copy_", "setitem"])
def test_mutating_a_saved_input_under_no_grad_is_detected(update):
    w = leaf([1.0, 2.0])
    x = leaf([3.0, 4.0])
    y = (w * x).sum()
    with am.no_grad():
        if update == "-=":
            w -= 1
        elif update == "+=":
            w += np.array([0.5, 0.5])
        elif update == "*=":
            w *= 2
        elif update == "/=":
            w /= 2
        elif update == "setitem":
            w[0] = 7.0
        else:
            getattr(w, update)(*([] if update == "zero_" else [np.array([5.0, 6.0])]
                                 if update == "copy_" else [5.0]))
    with pytest.raises(am.AutogradError, match=r"'mul'.*modified in place"):
        y.backward()


def test_mutating_an_intermediate_is_detected():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    y = h.exp().sum()
    with am.no_grad():
        h += 1
    with pytest.raises(am.AutogradError, match="'exp'"):
        y.backward()


def test_mutation_after_backward_is_fine():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with am.no_grad():
        w -= 0.1 * w.grad  # the usual SGD step
    np.testing.assert_allclose(w.data, [0.8, 1.6])
    (w * w).sum().backward()  # a fresh graph sees the new values
    np.testing.assert_allclose(w.grad, [2.0 + 1.6, 4.0 + 3.2])


@pytest.mark.parametrize("update", ["setitem", "+=", "zero_"])
def test_in_place_on_requires_grad_tensor_while_recording_raises(update):
    w = leaf([1.0, 2.0])
    with pytest.raises(am.AutogradError, match="no_grad"):
        if update == "setitem":
            w[0] = 3.0
        elif update == "+=":
            w += 1.0
        else:
            w.zero_()
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # nothing was changed


def test_in_place_on_plain_tensor_is_allowed():
    t = am.tensor([1.0, 2.0])
    t[1] = 5.0
    t += 1.0
    np.testing.assert_array_equal(t.data, [2.0, 6.0])


# ---- shape errors name the op and both shapes -------------------------------------------------
def test_matmul_shape_error():
    with pytest.raises(am.ShapeError, match=r"matmul.*\(2, 3\).*\(4, 2\)"):
        am.tensor(np.ones((2, 3))) @ am.tensor(np.ones((4, 2)))


def test_add_broadcast_error():
    with pytest.raises(am.ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        am.tensor(np.ones((2, 3))) + am.tensor(np.ones(4))


def test_mul_broadcast_error_with_array_operand():
    with pytest.raises(am.ShapeError, match=r"mul.*\(2, 3\).*\(2,\)"):
        am.tensor(np.ones((2, 3))) * np.ones(2)


def test_reshape_error():
    with pytest.raises(am.ShapeError, match=r"reshape.*\(2, 3\).*\(4, 2\)"):
        am.tensor(np.ones((2, 3))).reshape(4, 2)


def test_concatenate_error():
    with pytest.raises(am.ShapeError, match=r"concatenate.*\(2, 3\).*\(3, 4\)"):
        am.concatenate([am.tensor(np.ones((2, 3))), am.tensor(np.ones((3, 4)))], axis=1)


def test_cross_entropy_wrong_label_count():
    with pytest.raises(am.ShapeError, match=r"cross_entropy.*\(3, 4\).*\(2,\)"):
        am.cross_entropy(am.tensor(np.zeros((3, 4))), np.array([0, 1]))


def test_cross_entropy_label_out_of_range():
    with pytest.raises(ValueError, match=r"cross_entropy.*\[0, 4\)"):
        am.cross_entropy(am.tensor(np.zeros((3, 4))), np.array([0, 1, 4]))


def test_cross_entropy_wrong_probability_shape():
    with pytest.raises(am.ShapeError, match=r"cross_entropy.*\(3, 5\).*\(3, 4\)"):
        am.cross_entropy(am.tensor(np.zeros((3, 4))), np.full((3, 5), 0.2))


def test_reduction_axis_out_of_range():
    with pytest.raises(am.ShapeError, match="sum: axis 2"):
        am.tensor(np.ones((2, 3))).sum(axis=2)


@pytest.mark.parametrize("axes", [(0, 0, 2), (0, 1, 3), (1, 0), (0, -4, 2), (-3, -2, 3)])
def test_transpose_rejects_invalid_permutation(axes):
    with pytest.raises(am.ShapeError, match=r"transpose: axes .* not a permutation of 3 dims"):
        am.tensor(np.ones((2, 3, 4))).transpose(*axes)


def test_transpose_accepts_negative_axes():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(am.tensor(x).transpose(-1, 0, -2).data,
                                  np.transpose(x, (-1, 0, -2)))


# ---- anomaly mode -----------------------------------------------------------------------------
def _here() -> int:
    return inspect.currentframe().f_back.f_lineno


def test_detect_anomaly_forward_names_op_and_user_line():
    x = am.tensor([-1.0], requires_grad=True)
    with am.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(am.AnomalyError) as info:
            line = _here() + 1
            am.log(x)
    message = str(info.value)
    assert "'log'" in message
    assert f"{os.path.basename(__file__)}:{line}" in message


def test_detect_anomaly_backward_names_op_and_creation_line():
    x = am.tensor([0.0, 4.0], requires_grad=True)
    with am.detect_anomaly(), np.errstate(divide="ignore"):
        line = _here() + 1
        y = am.sqrt(x).sum()  # finite forward; d√x/dx = ∞ at 0
        with pytest.raises(am.AnomalyError, match="'sqrt' backward") as info:
            y.backward()
    assert f"{os.path.basename(__file__)}:{line}" in str(info.value)
    assert x.grad is None  # nothing was accumulated from the failed backward


def test_anomaly_mode_is_off_by_default_and_restored():
    assert not am.is_anomaly_enabled()
    with am.detect_anomaly():
        assert am.is_anomaly_enabled()
    assert not am.is_anomaly_enabled()
    with np.errstate(invalid="ignore"):
        y = am.log(am.tensor([-1.0]))  # outside anomaly mode: NaN, no error
    assert np.isnan(y.data).all()


def test_anomaly_mode_restored_after_error():
    with pytest.raises(am.AnomalyError), am.detect_anomaly(), np.errstate(invalid="ignore"):
        am.sqrt(am.tensor([-1.0]))
    assert not am.is_anomaly_enabled()


def test_error_messages_say_what_to_do():
    x = leaf([1.0, 2.0])
    with pytest.raises(am.AutogradError) as info:
        (x * 2.0).backward()
    assert re.search(r"\.sum\(\)|grad_output", str(info.value))


# ---- regressions: engine bugs found by this suite -------------------------------------------
def test_in_place_change_through_detached_view_is_detected():
    x = leaf([0.0, 1.0])
    y = x.exp()
    d = y.detach()
    d += 1.0  # allowed: d does not require grad ... but it is exp's saved output
    with pytest.raises(am.AutogradError, match="'exp'"):
        y.sum().backward()


def test_detect_anomaly_in_create_graph_backward_names_user_op_and_line():
    x = am.tensor([0.0, 4.0], requires_grad=True)
    with am.detect_anomaly(), np.errstate(divide="ignore"):
        line = _here() + 1
        y = am.sqrt(x).sum()
        with pytest.raises(am.AnomalyError) as info:
            am.grad(y, x, create_graph=True)
    message = str(info.value)
    assert "'sqrt'" in message
    assert f"{os.path.basename(__file__)}:{line}" in message


# ---- backward misuse: grad_output dtypes, empty outputs, am.grad's arguments ----------------
@pytest.mark.hardening("engine/backward-misuse")
def test_grad_output_of_another_numeric_dtype_is_cast_to_the_output_dtype():
    for grad_output in ([1, 2], np.array([True, False]), np.array([1.0, 2.0], np.float32)):
        x = am.tensor([1.0, 2.0], requires_grad=True)
        (x * 3.0).backward(grad_output)
        assert x.grad.dtype == np.float64
        np.testing.assert_array_equal(x.grad, 3.0 * np.asarray(grad_output, dtype=np.float64))


@pytest.mark.hardening("engine/backward-misuse")
def test_backward_of_an_empty_output_needs_a_grad_output_and_then_works():
    x = am.tensor(np.zeros((0, 2)), requires_grad=True)
    with pytest.raises(am.AutogradError, match=r"output has shape \(0, 2\)"):
        (x * 2.0).backward()
    (x * 2.0).backward(np.zeros((0, 2)))
    assert x.grad.shape == (0, 2)


@pytest.mark.hardening("engine/backward-misuse")
def test_create_graph_inside_no_grad_still_gives_a_differentiable_gradient():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * x).sum()
    with am.no_grad():
        (g,) = am.grad(y, x, create_graph=True)
    assert am.is_grad_enabled()  # the mode is restored after the block
    (h,) = am.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, 6.0 * x.data)


@pytest.mark.hardening("engine/backward-misuse")
def test_grad_of_a_non_tensor_input_or_mismatched_grad_outputs_is_refused():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(am.AutogradError, match="grad: input 0 does not require grad"):
        am.grad((x * x).sum(), [np.ones(2)])
    with pytest.raises(ValueError, match="grad: 2 outputs but 1 grad_outputs"):
        am.grad([x.sum(), (x * x).sum()], x, grad_outputs=[1.0])


@pytest.mark.hardening("engine/backward-misuse")
def test_unused_inputs_mixed_with_used_ones():
    x, unused, constant = (am.tensor([1.0, 2.0], requires_grad=True),
                           am.tensor([5.0], requires_grad=True), am.tensor([3.0, 4.0]))
    y = (x * constant).sum()
    gx, gu = am.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    assert gu is None
    y.backward()
    assert unused.grad is None and constant.grad is None


# ---- regressions: engine defects found by the bad-input catalogue (tests/HARDENING.md) ------
@pytest.mark.hardening("engine/regressions")
def test_grad_with_a_repeated_input_returns_its_gradient_at_every_position():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    gx, gx_again = am.grad((x * x).sum(), [x, x])
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])
    np.testing.assert_array_equal(gx_again.data, [2.0, 4.0])


@pytest.mark.hardening("engine/regressions")
def test_complex_grad_output_is_refused():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TypeError, match=r"backward: .*complex128"):
            (x * 3.0).backward(np.array([1j, 1.0]))


@pytest.mark.hardening("engine/regressions")
@pytest.mark.parametrize("grad_output", ["2", np.array([None, 1.0], dtype=object)],
                         ids=["str", "object"])
def test_non_numeric_grad_output_is_refused(grad_output):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3.0).sum() if isinstance(grad_output, str) else x * 3.0
    with pytest.raises(TypeError, match="backward: grad_output"):
        y.backward(grad_output)


@pytest.mark.hardening("engine/regressions")
def test_grad_of_a_non_tensor_output_says_it_needs_a_tensor():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"grad: .*Tensor.*float"):
        am.grad(3.0, x)


@pytest.mark.hardening("engine/regressions")
def test_in_place_update_of_a_read_only_tensor_names_the_op():
    data = np.ones(3)
    data.flags.writeable = False
    x = am.tensor(data)
    with pytest.raises(ValueError, match=r"\+=.*read-only"):
        x += 1.0
