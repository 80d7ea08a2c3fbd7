"""Run configuration: frozen, typed dataclasses, validated loudly.

A run is `RunConfig(data, model, loss, train)`. Every field has a comment that says what it
does; `__post_init__` raises `ConfigError` with a sentence a student can act on instead of
silently correcting the input. Named presets live in `presets.py`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from gan_core.errors import ConfigError
from gan_core.noise import NOISES

POINT_DATASETS = ("ring8", "grid25", "spiral", "moons", "two_gaussians", "line")
OWN_POINTS = "points"  # a student's own 2D points (drawn or uploaded), carried in DataConfig.points
MAX_OWN_POINTS = 2_000  # rows DataConfig.points may carry (gan_core/data/own_points.py says why inline)
IMAGE_DATASETS = ("digits", "mnist5k", "mnist", "fashion_mnist", "cifar10", "folder")
OFFLINE_IMAGE_DATASETS = ("digits", "mnist5k")
DOWNLOAD_DATASETS = ("mnist", "fashion_mnist", "cifar10")
IMAGE_SIZES = (8, 28, 32, 64)
MAX_POINTS = 200_000  # 2D sets: real points pre-drawn per run (200k x 2 floats = 1.6 MB)
MIN_IMAGES = 8  # data.n_images: the smallest training set (one batch of the diagnostics' real samples needs a few)
MAX_SEED = 2**31 - 1  # seeds any torch generator and numpy accept, on every platform

OBJECTIVES = ("minimax", "nonsaturating", "lsgan", "hinge", "wgan", "wgan-gp")
BCE_OBJECTIVES = ("minimax", "nonsaturating")
CRITIC_OBJECTIVES = ("wgan", "wgan-gp")  # D is a critic: unbounded scores, no sigmoid
ARCHS = ("mlp", "dcgan")
ACTIVATIONS = ("relu", "leaky_relu", "tanh")
INITS = ("dcgan", "xavier", "kaiming", "default")
OPTIMIZERS = ("adam", "sgd", "optimistic-adam")
COMPILE_MODES = ("off", "default", "reduce-overhead")  # torch.compile modes; reduce-overhead = CUDA graphs




def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


_SCALARS = {"int": ((int,), "a whole number"), "float": ((int, float), "a number"),
            "bool": ((bool,), "true or false"), "str": ((str,), "text")}


def _check_types(section, prefix: str) -> None:
    """Each scalar field holds its annotated type: a 64.0 batch size or a "1e-3" learning rate is
    an error here, not a crash deep inside torch. (bool is an int in Python: refused for numbers.)"""
    for f in dataclasses.fields(section):
        if str(f.type) not in _SCALARS:
            continue  # tuples (betas) are checked by their section
        allowed, words = _SCALARS[str(f.type)]
        value = getattr(section, f.name)
        wrong = not isinstance(value, allowed) or (isinstance(value, bool) and f.type != "bool")
        _check(not wrong, f"{prefix}.{f.name} must be {words}; got {value!r} ({type(value).__name__})")
        _check(f.type != "float" or math.isfinite(value), f"{prefix}.{f.name} must be a finite number; got {value!r}.")


def _one_of(value: Any, allowed: tuple, what: str) -> None:
    _check(value in allowed, f"{what} must be one of {', '.join(map(str, allowed))}; got {value!r}.")


@dataclass(frozen=True)
class DataConfig:
    name: str = "ring8"  # a point set (2D) or an image set; see POINT_DATASETS / IMAGE_DATASETS
    path: str = ""  # for name="folder": a folder or .zip of images
    image_size: int = 0  # for name="folder": resize to this (one of IMAGE_SIZES); 0 = dataset's own
    channels: int = 0  # for name="folder": 1 (grey) or 3 (colour); 0 = 1
    n_points: int = 20_000  # 2D sets: how many real points to pre-draw (the "training set")
    points: tuple[tuple[float, float], ...] = ()  # for name="points": the student's own points [N, 2]
    n_images: int = 0  # image sets: train on only the first n images (a tiny set G can memorise); 0 = all

    def __post_init__(self) -> None:
        _check_types(self, "data")
        _one_of(self.name, POINT_DATASETS + (OWN_POINTS,) + IMAGE_DATASETS, "data.name")
        _check(self.name != "folder" or bool(self.path),
               "data.name='folder' needs data.path: a folder or .zip of images.")
        _check(self.image_size in (0,) + IMAGE_SIZES,
               f"data.image_size must be one of {IMAGE_SIZES} (or 0 for the dataset's own); got {self.image_size}.")
        _check(self.channels in (0, 1, 3), f"data.channels must be 1 or 3 (or 0 for the default); got {self.channels}.")
        _check(100 <= self.n_points <= MAX_POINTS,
               f"data.n_points must be between 100 and {MAX_POINTS:,}; got {self.n_points}.")
        _check(len(self.path) <= 4096, "data.path is longer than any real path.")
        _check((self.name == OWN_POINTS) == bool(self.points),
               "data.points (your own 2D points) go with data.name='points' only, and it needs them: "
               "draw on the canvas or upload a CSV / .npy file." if self.name == OWN_POINTS
               else f"data.points are only for data.name='points'; got {len(self.points)} for {self.name!r}.")
        _check(self.n_images == 0 or (self.name not in POINT_DATASETS + (OWN_POINTS,) and self.n_images >= MIN_IMAGES),
               f"data.n_images (a smaller training set) is for image sets only and at least {MIN_IMAGES}, or 0 for "
               f"the whole set; got {self.n_images} for {self.name!r}." if self.n_images else "")
        object.__setattr__(self, "points", _own_points(self.points))  # lists from JSON -> tuple of pairs


    @property
    def is_points(self) -> bool:
        return self.name in POINT_DATASETS or self.name == OWN_POINTS


def _own_points(points) -> tuple[tuple[float, float], ...]:
    """data.points, checked before anything is built from them: at most MAX_OWN_POINTS pairs of
    finite numbers within +-10 (the models' plane is about +-2.5). Returns a tuple of float pairs."""
    _check(isinstance(points, (tuple, list)),
           f"data.points must be a list of [x, y] pairs; got {type(points).__name__}.")
    _check(len(points) <= MAX_OWN_POINTS,
           f"data.points may hold at most {MAX_OWN_POINTS:,} points; got {len(points):,}.")
    pairs = []
    for p in points:
        ok = isinstance(p, (tuple, list)) and len(p) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 10 for v in p)
        _check(ok, f"each of data.points must be two finite numbers within +-10; got {str(p)[:40]}.")
        pairs.append((float(p[0]), float(p[1])))
    return tuple(pairs)


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "mlp"  # "mlp" for 2D points, "dcgan" for images
    nz: int = 2  # latent size: dimension of the noise z fed to G
    noise: str = "gaussian"  # distribution of z: N(0, I) or U(-1, 1)
    hidden: int = 128  # MLP: neurons per hidden layer
    depth: int = 3  # MLP: number of hidden layers (0-5 like GAN Lab, we allow up to 8)
    activation: str = "relu"  # MLP hidden activation (D uses leaky_relu when this is relu)
    ngf: int = 32  # DCGAN: G's feature maps in its last hidden layer (the tutorial uses 64)
    ndf: int = 32  # DCGAN: D's feature maps in its first layer
    init: str = "dcgan"  # weight init: DCGAN's N(0, 0.02), xavier, kaiming, or PyTorch's default
    conditional: bool = False  # class label into G and D (needs a labelled dataset)
    spectral_norm: bool = False  # D: divide each weight by its largest singular value (Miyato 2018)
    minibatch_std: bool = False  # D: append the batch's feature std-dev (Karras 2018) so D can spot low variety
    pack: int = 1  # PacGAN: D judges `pack` samples at once (Lin 2018); 1 = off

    def __post_init__(self) -> None:
        _check_types(self, "model")
        _one_of(self.arch, ARCHS, "model.arch")
        _one_of(self.noise, NOISES, "model.noise")
        _one_of(self.activation, ACTIVATIONS, "model.activation")
        _one_of(self.init, INITS, "model.init")
        _check(1 <= self.nz <= 512, f"model.nz (latent size) must be between 1 and 512; got {self.nz}.")
        _check(1 <= self.hidden <= 1024, f"model.hidden must be between 1 and 1024; got {self.hidden}.")
        _check(0 <= self.depth <= 8, f"model.depth must be between 0 and 8 hidden layers; got {self.depth}.")
        _check(4 <= self.ngf <= 256 and 4 <= self.ndf <= 256,
               f"model.ngf and model.ndf must be between 4 and 256; got {self.ngf}, {self.ndf}.")
        _check(1 <= self.pack <= 8, f"model.pack (PacGAN) must be between 1 and 8; got {self.pack}.")


@dataclass(frozen=True)
class LossConfig:
    objective: str = "nonsaturating"  # see OBJECTIVES; the GAN's value function
    gp_weight: float = 10.0  # WGAN-GP: lambda in lambda * (||grad D(x_hat)|| - 1)^2
    clip_value: float = 0.01  # WGAN: clip every critic weight to [-c, c] after each D step
    r1_gamma: float = 0.0  # R1 penalty gamma/2 * E||grad D(x_real)||^2 on D; 0 = off
    label_smoothing: float = 0.0  # one-sided: D's target for real is 1 - this (0.1 -> 0.9); BCE only
    instance_noise: float = 0.0  # std of Gaussian noise added to D's inputs at step 0; 0 = off
    instance_noise_steps: int = 2000  # the noise std anneals linearly to 0 over this many steps
    instance_noise_start: int = 0  # the step the annealing starts from (switched on live: the step it was switched on)
    feature_matching: bool = False  # G matches the mean of D's penultimate features (Salimans 2016)

    def __post_init__(self) -> None:
        _check_types(self, "loss")
        _one_of(self.objective, OBJECTIVES, "loss.objective")
        _check(self.gp_weight >= 0, f"loss.gp_weight must be >= 0; got {self.gp_weight}.")
        _check(self.clip_value > 0, f"loss.clip_value must be > 0; got {self.clip_value}.")
        _check(self.r1_gamma >= 0, f"loss.r1_gamma must be >= 0; got {self.r1_gamma}.")
        _check(0 <= self.label_smoothing < 0.5,
               f"loss.label_smoothing must be in [0, 0.5); got {self.label_smoothing}.")
        _check(self.instance_noise >= 0, f"loss.instance_noise must be >= 0; got {self.instance_noise}.")
        _check(self.instance_noise_steps >= 1,
               f"loss.instance_noise_steps must be >= 1; got {self.instance_noise_steps}.")
        _check(self.instance_noise_start >= 0,
               f"loss.instance_noise_start must be >= 0; got {self.instance_noise_start}.")
        _check(self.label_smoothing == 0 or self.objective in BCE_OBJECTIVES,
               f"label smoothing only applies to the BCE objectives ({', '.join(BCE_OBJECTIVES)}); "
               f"objective is {self.objective!r}.")


@dataclass(frozen=True)
class TrainConfig:
    batch_size: int = 256  # samples per D and per G update
    lr_g: float = 2e-4  # G's learning rate (TTUR: give D a larger one, e.g. 4e-4 vs 1e-4)
    lr_d: float = 2e-4  # D's learning rate
    betas_g: tuple[float, float] = (0.5, 0.999)  # Adam betas for G (DCGAN paper: beta1 = 0.5)
    betas_d: tuple[float, float] = (0.5, 0.999)  # Adam betas for D
    optimizer: str = "adam"  # "adam", plain "sgd" or "optimistic-adam" (gan_core/optimism.py), for both networks
    d_steps: int = 1  # D updates per G update (WGAN: 5)
    g_steps: int = 1  # G updates per training step
    unrolled_steps: int = 0  # unrolled GAN: G looks k D-updates ahead (Metz 2017); 0 = off
    grad_clip: float = 0.0  # clip each network's gradient norm to this; 0 = off
    ema: float = 0.0  # decay of an exponential moving average of G's weights (e.g. 0.999); 0 = off
    steps: int = 5000  # training steps for the CLI (the app trains until paused)
    seed: int = 0  # seeds weights, noise and batches: same config + seed -> same losses on CPU
    log_every: int = 10  # read per-step numbers back from the device every k steps (one sync)
    device: str = "auto"  # "auto" (CUDA when it really works), "cpu" or "cuda"
    # opt-in speed-ups, all off by default (measured in docs/BENCHMARKS.md)
    fused_adam: bool = False  # Adam's fused implementation: one kernel updates every parameter
    channels_last: bool = False  # DCGAN: NHWC memory layout for the convolutions (faster on tensor cores)
    amp_bf16: bool = False  # forward passes in bfloat16 autocast (no GradScaler needed); D outputs logits
    compile: str = "off"  # torch.compile G and D for the step: "off", "default", "reduce-overhead" (+CUDA graphs)

    def __post_init__(self) -> None:
        _check_types(self, "train")
        _check(1 <= self.batch_size <= 4096, f"train.batch_size must be between 1 and 4096; got {self.batch_size}.")
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            _check(0 < value <= 1, f"train.{name} (learning rate) must be in (0, 1]; got {value}.")
        for name in ("betas_g", "betas_d"):
            b = tuple(getattr(self, name))
            _check(len(b) == 2 and all(0 <= x < 1 for x in b), f"train.{name} must be two numbers in [0, 1); got {b}.")
            object.__setattr__(self, name, (float(b[0]), float(b[1])))  # lists from JSON -> tuple
        _one_of(self.optimizer, OPTIMIZERS, "train.optimizer")
        _check(1 <= self.d_steps <= 10,
               f"train.d_steps (D steps per G step) must be between 1 and 10; got {self.d_steps}.")
        _check(1 <= self.g_steps <= 10, f"train.g_steps must be between 1 and 10; got {self.g_steps}.")
        _check(0 <= self.unrolled_steps <= 20,
               f"train.unrolled_steps must be between 0 and 20; got {self.unrolled_steps}.")
        _check(self.grad_clip >= 0, f"train.grad_clip must be >= 0 (0 = off); got {self.grad_clip}.")
        _check(0 <= self.ema < 1, f"train.ema must be in [0, 1) (0 = off); got {self.ema}.")
        _check(1 <= self.steps <= 10_000_000, f"train.steps must be between 1 and 10,000,000; got {self.steps}.")
        _check(0 <= self.seed <= MAX_SEED,
               f"train.seed must be a whole number between 0 and {MAX_SEED:,}; got {self.seed}.")
        _check(1 <= self.log_every <= 1000, f"train.log_every must be between 1 and 1000; got {self.log_every}.")
        _one_of(self.device, ("auto", "cpu", "cuda"), "train.device")
        _one_of(self.compile, COMPILE_MODES, "train.compile")
        _check(not self.fused_adam or self.optimizer == "adam", "train.fused_adam needs train.optimizer='adam'.")


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        points = self.data.is_points
        _check(points == (self.model.arch == "mlp"),
               f"dataset {self.data.name!r} needs model.arch={'mlp' if points else 'dcgan'!r}; "
               f"got {self.model.arch!r}.")
        _check(self.train.batch_size % self.model.pack == 0,
               f"PacGAN pack size {self.model.pack} must divide the batch size {self.train.batch_size}.")
        _check(not (self.model.conditional and points),
               f"a conditional GAN needs class labels; the 2D set {self.data.name!r} has none. Pick digits or mnist5k.")
        _check(not (self.model.conditional and self.data.name == "folder"),
               "a conditional GAN needs class labels; an image folder has none.")
        _check(not self.train.channels_last or self.model.arch == "dcgan",
               "train.channels_last is a memory layout for images: it needs model.arch='dcgan'.")
        _check(self.train.compile == "off" or (self.loss.objective != "wgan-gp" and self.loss.r1_gamma == 0),
               "train.compile cannot run the double backward of the WGAN-GP / R1 penalties; set compile='off'.")
        _check(self.train.unrolled_steps == 0 or self.model.arch == "mlp",
               "unrolled D is offered for the MLP models (2D data) only: on images it multiplies the cost of a step.")

    # -- (de)serialisation: plain dicts for JSON sidecars and the UI ------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        """Build from a (possibly partial) nested dict; unknown keys are an error, not ignored."""
        if not isinstance(d, dict):
            raise ConfigError(f"a run config must be a dict of sections; got {type(d).__name__}.")
        sections = {"data": DataConfig, "model": ModelConfig, "loss": LossConfig, "train": TrainConfig}
        unknown = set(d) - set(sections)
        _check(not unknown, f"unknown config section(s): {', '.join(sorted(unknown))}.")
        parts = {}
        for name, klass in sections.items():
            values = d.get(name, {}) or {}
            known = {f.name for f in dataclasses.fields(klass)}
            bad = set(values) - known
            _check(not bad, f"unknown {name} setting(s): {', '.join(sorted(bad))}.")
            try:
                parts[name] = klass(**values)
            except TypeError as e:  # wrong value types from JSON
                raise ConfigError(f"bad {name} settings: {e}") from e
        return cls(**parts)

    def replace(self, **sections: dict) -> "RunConfig":
        """Copy with some fields changed: `cfg.replace(train={"lr_d": 1e-3})`."""
        new = {}
        for name in ("data", "model", "loss", "train"):
            part = getattr(self, name)
            new[name] = dataclasses.replace(part, **sections.pop(name, {}))
        _check(not sections, f"unknown config section(s): {', '.join(sorted(sections))}.")
        return RunConfig(**new)
