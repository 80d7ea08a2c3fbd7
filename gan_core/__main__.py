"""Command line: `python -m gan_core presets | train | sample | evaluate | train-classifier | bench | dirac`.

Examples
    python -m gan_core presets
    python -m gan_core train --preset ring8 --steps 3000 --seed 0 --out checkpoints/
    python -m gan_core sample checkpoints/ring8.safetensors --n 1000 --out ring8.npy
    python -m gan_core evaluate checkpoints/ring8.safetensors --json
    python -m gan_core dirac --objective gan-r1 --gamma 1 --updates simultaneous --steps 500 --lr 0.2 --json
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np


def _command_line() -> str:
    return "python -m gan_core " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def cmd_presets(args) -> int:
    from gan_core.presets import PRESETS

    width = max(map(len, PRESETS))
    for name, (desc, _) in PRESETS.items():
        print(f"{name:<{width}}  {desc}")
    return 0


def cmd_train(args) -> int:
    import torch
    from tqdm import tqdm

    from gan_core import checkpoint
    from gan_core.device import describe, resolve_device, use_cpu_threads
    from gan_core.evaluation.diagnostics import diagnose
    from gan_core.frozen import from_gan
    from gan_core.gan import build_gan
    from gan_core.presets import get_preset
    from gan_core.train import train_step

    train_over = {"seed": args.seed, "device": args.device}
    if args.steps:
        train_over["steps"] = args.steps
    cfg = get_preset(args.preset, train=train_over)
    device = resolve_device(cfg.train.device)
    if device.type == "cpu":
        use_cpu_threads(cfg.model.arch)  # the run's policy (1 thread for the 2D MLPs), as the app's Trainer
    gan = build_gan(cfg, device)
    steps, k = cfg.train.steps, cfg.train.log_every
    recorder = _recorder(args, gan)  # --record: a replay of this run (gan_core/replay_record.py), else None
    t0 = time.perf_counter()
    with tqdm(total=steps, desc=f"{args.preset} seed {cfg.train.seed}", unit="step", disable=args.quiet) as bar:
        pending = []
        for i in range(steps):
            pending.append(train_step(gan))
            if recorder is not None:
                recorder.step_done(gan, pending, final=i == steps - 1)
            if len(pending) == k or i == steps - 1:  # one device sync every k steps
                last = {key: float(v) for key, v in pending[-1].items()}
                bar.set_postfix(d_loss=f"{last.get('d_loss', 0):.3f}", g_loss=f"{last.get('g_loss', 0):.3f}")
                bar.update(len(pending))
                pending = []
                if not all(np.isfinite(list(last.values()))):
                    print(f"error: the losses became NaN/Inf at step {gan.step}; nothing saved.", file=sys.stderr)
                    return 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    metrics = diagnose(from_gan(gan, args.preset), n=args.eval_n, seed=cfg.train.seed)
    out = Path(args.out)
    name = args.name or (args.preset if out.suffix == "" else out.stem)
    path = out / name if out.suffix == "" else out
    extra = {"command": _command_line(), "preset": args.preset, "seed": cfg.train.seed, "steps": steps,
             "device": describe(device), "seconds": round(seconds, 1),
             "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    saved = checkpoint.save(gan, path, metrics=metrics, extra=extra, include_d=not args.no_d)
    print(f"trained {steps} steps in {seconds:.1f} s ({steps / seconds:.0f} steps/s on {describe(device)})")
    print(f"wrote {saved} and {saved.with_suffix('.json')}")
    if recorder is not None:
        from gan_core.presets import PRESETS
        from gan_core.replay import replay_path

        info = {k: extra[k] for k in ("command", "preset", "seed", "created")}
        written = recorder.save(replay_path(saved), gan, {**info, "checkpoint": saved.name,
                                                          "title": PRESETS[args.preset][0][:300]})
        print(f"wrote {written} ({len(recorder.steps)} frames, every {recorder.every} steps)")
    print(_summary(metrics))
    return 0


def _recorder(args, gan):
    """The replay recorder for --record (its frame spacing checked before training starts), or None."""
    if not args.record:
        return None
    from gan_core.config import ConfigError
    from gan_core.replay_record import Recorder, auto_every, check_every

    steps = gan.cfg.train.steps
    every = args.record_every or auto_every(steps, gan.cfg.train.log_every)
    try:
        check_every(every, steps)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    recorder = Recorder(gan, every)
    recorder.add_frame(gan)  # step 0: the untrained G
    return recorder


def _summary(metrics: dict) -> str:
    """A few key numbers on one line each."""
    keys = ("modes_covered", "n_modes", "high_quality_fraction", "kl_to_uniform", "classes_covered",
            "mean_confidence", "precision", "recall", "verdict")
    flat = {}
    for k, v in metrics.items():
        if isinstance(v, dict):
            flat.update({kk: vv for kk, vv in v.items() if not isinstance(vv, (list, dict))})
        elif not isinstance(v, list):
            flat[k] = v
    return "\n".join(f"  {k}: {flat[k]}" for k in keys if k in flat)


def cmd_sample(args) -> int:
    import torch

    from gan_core.frozen import from_checkpoint
    from gan_core.pictures.viz import image_grid, png_bytes

    src = from_checkpoint(args.checkpoint)
    z = src.sample_z(args.n, seed=args.seed)
    y = None if args.label is None else torch.full((args.n,), args.label)
    x = src.generate(z, y).cpu()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".npy":
        np.save(out, x.numpy().astype(np.float32))  # points [N, 2] or images [N, C, H, W] in [-1, 1]
    elif out.suffix == ".png":
        if src.is_points:
            from gan_core.pictures.viz import figure_png, points_figure

            out.write_bytes(figure_png(points_figure(x.numpy(), src.real_data().x[:2000].numpy())))
        else:
            out.write_bytes(png_bytes(image_grid(x, nrow=src.num_classes or 8)))
    else:
        print("error: --out must end in .npy or .png", file=sys.stderr)
        return 2
    print(f"wrote {args.n} samples to {out}")
    return 0


def cmd_evaluate(args) -> int:
    from gan_core.evaluation.diagnostics import diagnose
    from gan_core.frozen import from_checkpoint

    src = from_checkpoint(args.checkpoint)
    metrics = diagnose(src, n=args.n, seed=args.seed)
    if args.json:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    else:
        print(f"{src.name}: {src.cfg.data.name}, step {src.step}")
        print(_summary(metrics))
    return 0


def cmd_train_classifier(args) -> int:
    from gan_core.evaluation.classifier import cli_train_classifier

    return cli_train_classifier(dataset=args.dataset, out=args.out, epochs=args.epochs, seed=args.seed,
                                command=_command_line())


def cmd_bench(args) -> int:
    from benchmarks.bench import run_bench  # (benchmarks live outside the engine and may import the app)

    return run_bench(args)


def cmd_dirac(args) -> int:
    """The Dirac-GAN (gan_core/theory/dirac.py): where the steps end and how far they wandered."""
    from gan_core.theory.dirac import DiracSettings, trajectory

    try:
        start = tuple(float(v) for v in args.start.split(","))
    except ValueError:
        start = ()
    if len(start) != 2:
        print(f"error: --start must be two numbers THETA,PSI such as 1,1 (negative: --start=-1,1); got {args.start!r}",
              file=sys.stderr)
        return 2
    run = trajectory(DiracSettings(objective=args.objective, updates=args.updates, steps=args.steps, lr=args.lr,
                                   gamma=args.gamma, sigma=args.sigma, start=start))  # bad values: ConfigError
    out = {"objective": args.objective, "updates": args.updates, "steps": args.steps, "lr": args.lr,
           "gamma": args.gamma, "sigma": args.sigma, "start": list(start), "end": list(run.end),
           "final_distance": run.final_distance, "max_distance": run.max_distance,
           "steps_done": len(run.points) - 1, "diverged": run.diverged}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{args.objective}, {args.updates} steps: ({start[0]:g}, {start[1]:g}) -> ({run.end[0]:.4g}, "
              f"{run.end[1]:.4g}); distance to (0, 0) {run.final_distance:.4g}, largest {run.max_distance:.4g}"
              + (f" (diverged after {out['steps_done']} steps)" if run.diverged else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gan_core", description="GAN Classroom engine: train, sample, evaluate.")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("presets", help="list the named presets").set_defaults(fn=cmd_presets)

    t = sub.add_parser("train", help="train a preset and write a checkpoint")
    t.add_argument("--preset", required=True)
    t.add_argument("--steps", type=int, default=0, help="training steps (default: the preset's)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    t.add_argument("--out", required=True, help="a folder (file named after the preset) or a .safetensors path")
    t.add_argument("--name", default="", help="file name (without extension) inside --out")
    t.add_argument("--eval-n", type=int, default=2500, help="samples for the evaluation stored in the metadata")
    t.add_argument("--no-d", action="store_true", help="do not store the discriminator")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--record", action="store_true", help="also write <name>.replay.npz: frames for the Replays tab")
    t.add_argument("--record-every", type=int, default=0,
                   help="steps between replay frames; must divide the steps (default: at most 80 frames)")
    t.set_defaults(fn=cmd_train)

    s = sub.add_parser("sample", help="write samples from a checkpoint as .npy or a .png grid")
    s.add_argument("checkpoint")
    s.add_argument("--n", type=int, default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--label", type=int, default=None, help="class to generate (conditional models)")
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_sample)

    e = sub.add_parser("evaluate", help="print the metrics that fit the checkpoint's data")
    e.add_argument("checkpoint")
    e.add_argument("--n", type=int, default=2500)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true")
    e.set_defaults(fn=cmd_evaluate)

    c = sub.add_parser("train-classifier", help="train the small classifier used by the image metrics")
    c.add_argument("--dataset", choices=("digits", "mnist5k"), required=True)
    c.add_argument("--epochs", type=int, default=0, help="0 = the default for the dataset")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--out", default="checkpoints")
    c.set_defaults(fn=cmd_train_classifier)

    b = sub.add_parser("bench", help="benchmarks; writes docs/BENCHMARKS.md")
    b.add_argument("--quick", action="store_true", help="short runs (a smoke test of the benchmark itself)")
    b.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    b.add_argument("--out", default="docs/BENCHMARKS.md")
    b.add_argument("--json", help="also save the measured numbers here (benchmarks.bench_report.write_report "
                   "rewrites the report from them)")
    b.set_defaults(fn=cmd_bench)

    from gan_core.theory.dirac import OBJECTIVES, UPDATES

    d = sub.add_parser("dirac", help="the Dirac-GAN's gradient steps (Mescheder et al. 2018)")
    d.add_argument("--objective", choices=OBJECTIVES, default="gan")
    d.add_argument("--updates", choices=UPDATES, default="simultaneous")
    d.add_argument("--steps", type=int, default=500)
    d.add_argument("--lr", type=float, default=0.2, help="step size h")
    d.add_argument("--gamma", type=float, default=1.0, help="R1 / gradient-penalty weight")
    d.add_argument("--sigma", type=float, default=0.5, help="instance-noise std")
    d.add_argument("--start", default="1,1", help="THETA,PSI (write --start=-1,1 when it begins with a minus)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(fn=cmd_dirac)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from gan_core.checkpoint import CheckpointError
    from gan_core.config import ConfigError
    from gan_core.device import DeviceError
    from gan_core.errors import DatasetError

    try:
        return int(args.fn(args) or 0)
    except (ConfigError, DatasetError, CheckpointError, DeviceError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
