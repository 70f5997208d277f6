"""Learning-rate schedulers against PyTorch's, plus resume and validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_mini as am
from nn import optim
from nn.optim import lr_scheduler as ours

torch = pytest.importorskip("torch")
tsched = torch.optim.lr_scheduler

LRS = (0.1, 0.02)  # two param groups with different base rates
STEPS = 25


def our_optimizer():
    a, b = (am.Tensor(np.zeros(2), requires_grad=True) for _ in range(2))
    return optim.SGD([{"params": [a], "lr": LRS[0]}, {"params": [b], "lr": LRS[1]}], lr=1.0)


def torch_optimizer():
    a, b = (torch.zeros(2, requires_grad=True) for _ in range(2))
    return torch.optim.SGD([{"params": [a], "lr": LRS[0]}, {"params": [b], "lr": LRS[1]}], lr=1.0)


CASES = {
    "StepLR": (lambda o: ours.StepLR(o, step_size=4, gamma=0.5),
               lambda o: tsched.StepLR(o, step_size=4, gamma=0.5)),
    "MultiStepLR": (lambda o: ours.MultiStepLR(o, [3, 7, 7, 12], gamma=0.3),
                    lambda o: tsched.MultiStepLR(o, [3, 7, 7, 12], gamma=0.3)),
    "ExponentialLR": (lambda o: ours.ExponentialLR(o, gamma=0.9),
                      lambda o: tsched.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": (lambda o: ours.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
                          lambda o: tsched.CosineAnnealingLR(o, T_max=10, eta_min=1e-3)),
    "LinearLR": (lambda o: ours.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=6),
                 lambda o: tsched.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=6)),
    "LambdaLR": (lambda o: ours.LambdaLR(o, lambda t: 1 / (1 + t)),
                 lambda o: tsched.LambdaLR(o, lambda t: 1 / (1 + t))),
    "warmup+cosine": (
        lambda o: ours.with_warmup(ours.CosineAnnealingLR(o, T_max=12), 5, start_factor=0.1),
        lambda o: tsched.SequentialLR(
            o, [tsched.LinearLR(o, 0.1, 1.0, 5), tsched.CosineAnnealingLR(o, T_max=12)], [5]
        ),
    ),
    "warmup+step+exp": (
        lambda o: ours.SequentialLR(
            o, [ours.LinearLR(o, 0.5, 1.0, 3), ours.StepLR(o, 2, 0.5), ours.ExponentialLR(o, 0.8)],
            [3, 9],
        ),
        lambda o: tsched.SequentialLR(
            o,
            [tsched.LinearLR(o, 0.5, 1.0, 3), tsched.StepLR(o, 2, 0.5),
             tsched.ExponentialLR(o, 0.8)],
            [3, 9],
        ),
    ),
}


def lr_trace(scheduler, optimizer, steps=STEPS):
    trace = [[g["lr"] for g in optimizer.param_groups]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        trace.append([g["lr"] for g in optimizer.param_groups])
        assert scheduler.get_last_lr() == trace[-1]
    return np.array(trace)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    make_ours, make_theirs = CASES[name]
    opt, topt = our_optimizer(), torch_optimizer()
    mine = lr_trace(make_ours(opt), opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notes about epoch arguments
        theirs = lr_trace(make_theirs(topt), topt)
    assert len(np.unique(mine[:, 0])) > 2  # the schedule actually moves
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_dict_resumes_exactly(name):
    make = CASES[name][0]
    opt = our_optimizer()
    full = lr_trace(make(opt), opt, steps=14)

    opt = our_optimizer()
    scheduler = make(opt)
    lr_trace(scheduler, opt, steps=6)
    opt_state, sched_state = opt.state_dict(), scheduler.state_dict()

    fresh_opt = our_optimizer()
    fresh = make(fresh_opt)
    fresh_opt.load_state_dict(opt_state)
    fresh.load_state_dict(sched_state)
    rest = lr_trace(fresh, fresh_opt, steps=8)
    np.testing.assert_array_equal(rest, full[6:])


def test_scheduler_drives_the_update():
    w = am.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    scheduler = ours.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        w.grad = np.ones(1)
        opt.step()
        scheduler.step()
    np.testing.assert_array_equal(w.data, [-1.75])  # -(1 + 0.5 + 0.25)
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_validation():
    opt = our_optimizer()
    with pytest.raises(ValueError, match="step_size"):
        ours.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        ours.CosineAnnealingLR(opt, T_max=-3)
    with pytest.raises(ValueError, match="start_factor"):
        ours.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="milestones"):
        ours.SequentialLR(opt, [ours.ExponentialLR(opt, 0.9)], [3])
    with pytest.raises(ValueError, match="initial_lr"):
        ours.ExponentialLR(our_optimizer(), 0.9, last_epoch=4)
    with pytest.raises(TypeError, match="Optimizer"):
        ours.ExponentialLR(object(), 0.9)
    other = our_optimizer()
    with pytest.raises(ValueError, match="different optimizer"):
        ours.SequentialLR(opt, [ours.ExponentialLR(opt, 0.9), ours.ExponentialLR(other, 0.9)], [2])
