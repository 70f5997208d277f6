# %%
"""08 - MNIST with two hidden layers: 98% test accuracy on a CPU (the lecture's claim).

The lecture states that a plain feed-forward network with two hidden layers classifies the
MNIST handwritten digits (28x28 pixels, 60 000 training and 10 000 test images) with about 98%
accuracy. This script trains exactly that network with the recipe behind
`autograd-mini train --data mnist` (nn.training.recipes.default_config("mnist")):

    784 -> 256 -> 128 -> 10,  z^l = a^{l-1} W^l + b^l,  ReLU + dropout 0.1 between layers
    He-uniform hidden weights, Glorot output weights, zero biases; softmax cross-entropy
    on the logits; Adam (lr 1e-3), cosine schedule over 15 epochs, mini-batches of 128

on 51 000 training images (9 000 are held out for validation, as the CLI does) and reports
the accuracy on the official 10 000 test images. With --torch it then trains the same network
in PyTorch, starting from the same weights and seeing the same batches, for a side-by-side
accuracy and wall time.

Data: --data-dir DIR, else $AUTOGRAD_MINI_DATA (in a development checkout, also
../shared/data/mnist beside the repository); the four IDX files (gzipped or not) must be
there. `autograd-mini train --data mnist --data-dir DIR --download` fetches them.

Run:  python examples/08_mnist.py [--quick] [--torch] [--data-dir DIR] [--epochs N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import nn
from nn.data.mnist import ENV_VAR
from nn.training import recipes
from nn.training.blas import set_blas_threads

REPO = Path(__file__).resolve().parent.parent
DEVELOPMENT_DATA_DIR = REPO.parent / "shared" / "data" / "mnist"  # used only if it exists


# %%
def data_dir(option: str | None) -> Path | None:
    """--data-dir, else $AUTOGRAD_MINI_DATA, else a development checkout's data, else None."""
    if option:
        return Path(option)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEVELOPMENT_DATA_DIR if DEVELOPMENT_DATA_DIR.is_dir() else None


# %%
def missing_data_message(reason: str) -> str:
    """What is missing and how to get it, naming only places the user chose."""
    return (
        f"MNIST data not found: {reason}\n"
        f"Put the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        f"t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz or not) in a directory DIR and "
        f"pass --data-dir DIR or set {ENV_VAR}=DIR. To download them (md5-checked): "
        f"autograd-mini train --data mnist --data-dir DIR --download"
    )


# %%
def train_autograd_mini(
    config: dict[str, Any], dataset: recipes.Dataset, quiet: bool
) -> tuple[nn.Module, dict[str, Any]]:
    """The CLI's training run: Trainer with validation and the recipe's schedule."""
    trainer = recipes.build_trainer(config, dataset.X_train, dataset.y_train, task=dataset.task,
                                    out_features=dataset.out_features,
                                    val_data=(dataset.X_val, dataset.y_val), progress=not quiet)
    model = trainer.model
    start = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - start
    test = trainer.evaluate(dataset.X_test, dataset.y_test)
    return model, {"test_accuracy": test["accuracy"], "train_seconds": seconds}


# %%
def train_torch(
    config: dict[str, Any],
    dataset: recipes.Dataset,
    initial: dict[str, np.ndarray],
    threads: int,
) -> dict[str, Any]:
    """The same recipe in PyTorch (CPU): same initial weights, same batch order, same threads."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(config["seed"])
    widths = [dataset.in_features, *config["hidden"], dataset.out_features]
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers += [torch.nn.ReLU(), torch.nn.Dropout(config["dropout"])]
    model = torch.nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    weights = [v for k, v in initial.items() if k.endswith("weight")]
    biases = [v for k, v in initial.items() if k.endswith("bias")]
    with torch.no_grad():
        for linear, w, b in zip(linears, weights, biases):
            linear.weight.copy_(torch.from_numpy(w.T.copy()))  # ours (in, out), torch's (out, in)
            linear.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
    loader = recipes.make_loader(config, dataset.X_train, dataset.y_train)  # same batches
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(config["epochs"]):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb))
            loss.backward()
            optimizer.step()
        schedule.step()
        print(
            f"  torch epoch {epoch + 1}/{config['epochs']}  last batch loss {loss.item():.4f}  "
            f"{time.perf_counter() - start:.1f}s so far"
        )
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(dataset.X_test)).numpy()
    accuracy = float(np.mean(logits.argmax(axis=1) == dataset.y_test))
    return {"test_accuracy": accuracy, "train_seconds": seconds, "threads": torch.get_num_threads()}


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train the CLI's MNIST recipe; print test accuracy and wall time (and PyTorch's)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="5000 training images, 1 epoch (CI smoke run)"
    )
    parser.add_argument("--data-dir", default=None, help=f"MNIST directory (or ${ENV_VAR})")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's 15")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch", action="store_true", help="also train the recipe in PyTorch")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads (and PyTorch threads), 1 by default as in the CLI",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    # Small matrices gain nothing from more BLAS threads, and waiting threads spin (see
    # nn.training.blas): the CLI trains with 1 thread unless told otherwise, and so does this.
    set_blas_threads(args.threads)
    if args.torch:  # checked first: the comparison comes after a full training run
        try:
            import torch  # noqa: F401
        except ImportError as error:
            message = (f"--torch needs PyTorch, which cannot be imported ({error}); install it "
                       "(pip install torch, or pip install -e '.[oracle]') or drop --torch")
            print(message, file=sys.stderr)
            return {"error": message}
    directory = data_dir(args.data_dir)
    if directory is None:
        message = missing_data_message(f"no --data-dir given and {ENV_VAR} is not set")
        print(message, file=sys.stderr)
        return {"error": message}
    try:
        dataset = recipes.load_dataset("mnist", directory)
    except nn.data.DataError as error:
        message = missing_data_message(str(error))
        print(message, file=sys.stderr)
        return {"error": message}

    config = recipes.default_config("mnist")
    config["seed"] = args.seed
    if args.epochs is not None:
        config["epochs"] = args.epochs
    if args.quick:
        config["epochs"] = 1
        dataset.X_train, dataset.y_train = dataset.X_train[:5000], dataset.y_train[:5000]
        dataset.X_val, dataset.y_val = dataset.X_val[:1000], dataset.y_val[:1000]
    widths = " -> ".join(str(w) for w in [784, *config["hidden"], 10])
    print(
        f"MNIST from {directory}: train {len(dataset.X_train)}, val {len(dataset.X_val)}, "
        f"test {len(dataset.X_test)}"
    )
    print(
        f"MLP {widths} ({config['activation']}, dropout {config['dropout']}), "
        f"{config['optimizer']} lr {config['lr']:g} {config['scheduler']}, "
        f"{config['epochs']} epochs, batch {config['batch_size']}, seed {config['seed']}"
    )

    model, result = train_autograd_mini(config, dataset, args.quiet)
    result.update(epochs=config["epochs"], n_train=len(dataset.X_train), threads=args.threads)
    print(
        f"\nautograd_mini: test accuracy {result['test_accuracy']:.2%} "
        f"({int(round(result['test_accuracy'] * len(dataset.X_test)))}/{len(dataset.X_test)})"
        f", training took {result['train_seconds']:.1f}s"
    )
    if args.torch:
        # Rebuild the same initial weights (the recipe seeds the init) for PyTorch to start from.
        initial = recipes.build_model(config, dataset.in_features, 10).state_dict()
        torch_result = train_torch(config, dataset, initial, args.threads)
        result["torch"] = torch_result
        print(
            f"PyTorch ({torch_result['threads']} thread(s)): test accuracy "
            f"{torch_result['test_accuracy']:.2%}, training took "
            f"{torch_result['train_seconds']:.1f}s"
        )
        ratio = result["train_seconds"] / torch_result["train_seconds"]
        print(f"wall-time ratio autograd_mini / PyTorch: {ratio:.2f}")
    return result


# %% [markdown]
# ## Run
#
# From a shell: `python examples/08_mnist.py [--quick] [--torch] [--data-dir DIR] [--epochs N]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
    if "error" in result and "ipykernel" not in sys.modules:
        sys.exit(1)  # a script says so in its exit status
