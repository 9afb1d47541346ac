"""python -m training.model [--model default]  — print a model's layers and parameter count.

Pure builders: each returns an uncompiled `tf_keras` model taking (28, 28, 1) float32 images (0 = paper,
1 = ink) and returning softmax probabilities: 10 for the digits models, 26 (A-Z) for `letters`. No compile,
fit or file I/O here.

Why `tf_keras` and not Keras 3: a Keras 3 model saved with the `tensorflowjs` converter gives a model.json
that TF.js 4.22 refuses ("An InputLayer should be passed either a `batchInputShape` or an `inputShape`");
the legacy `tf_keras` serialisation is the format TF.js reads. `tests/test_parity.py` proves it in TF.js.
"""

from __future__ import annotations

import argparse

import tf_keras as keras
from tf_keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
LETTER_CLASSES = 26  # EMNIST "letters": upper and lower case of a letter are one class.


def build_seed001() -> keras.Model:
    """The seed article's net, exactly: 65,788 parameters."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(5, 3, padding="same", activation="relu"),
            layers.Conv2D(5, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(10, 3, padding="same", activation="relu"),
            layers.Conv2D(10, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="seed001",
    )


def build_seed000() -> keras.Model:
    """The Keras mnist_cnn example: 2 valid 3x3 convolutions, a 512-unit dense layer (about 4.7M parameters)."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, 3, padding="valid", activation="relu"),
            layers.Conv2D(32, 3, padding="valid", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="seed000",
    )


def build_seed003() -> keras.Model:
    """The TensorFlow tutorial's 5x5 net with a 1024-unit dense layer (about 3.3M parameters)."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(1024, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="seed003",
    )


def conv_block(x, filters: int, name: str, kernel_size: int = 3, padding: str = "same"):
    """Convolution without bias (batch norm supplies the shift), batch norm, ReLU."""
    x = layers.Conv2D(filters, kernel_size, padding=padding, use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def build_default(width: int = 24, dropout_rate: float = 0.25, num_classes: int = NUM_CLASSES, name: str = "default") -> keras.Model:
    """Inkwell's model: three stages of batch-normalised 3x3 convolutions and global average pooling.

    Global pooling replaces the large dense layer that holds most of the seed nets' parameters, so the
    budget goes to convolutions, which generalise better per parameter. With width 24: 83,738 parameters.
    """
    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    x = conv_block(inputs, width, "block1a")
    x = conv_block(x, width, "block1b")
    x = layers.MaxPooling2D(2, name="pool1")(x)  # 14x14
    x = conv_block(x, 2 * width, "block2a")
    x = conv_block(x, 2 * width, "block2b")
    x = layers.MaxPooling2D(2, name="pool2")(x)  # 7x7
    x = conv_block(x, 4 * width, "block3a")
    x = layers.GlobalAveragePooling2D(name="pool3")(x)
    x = layers.Dropout(dropout_rate, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def build_letters(width: int = 23, dropout_rate: float = 0.25) -> keras.Model:
    """The letters model: Inkwell's design with 26 outputs (A-Z), 74,960 parameters at width 23.

    Small on purpose: the page's first visit (TF.js and both models) must stay under 450 KB gzipped. Width 24
    (81,458 parameters, one uint8 byte each) put it at 453.1 KB with the digits model (bench/transfer.py)."""
    return build_default(width, dropout_rate, num_classes=LETTER_CLASSES, name="letters")


BUILDERS = {
    "default": build_default,
    "letters": build_letters,
    "seed000": build_seed000,
    "seed001": build_seed001,
    "seed003": build_seed003,
}


def build_model(name: str) -> keras.Model:
    """Build a model by name; raises ValueError naming the choices for an unknown name."""
    if name not in BUILDERS:
        raise ValueError(f"model {name!r}: unknown, choose one of {', '.join(sorted(BUILDERS))}")
    return BUILDERS[name]()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a model's layers and parameter count.")
    parser.add_argument("--model", default="default", choices=sorted(BUILDERS))
    args = parser.parse_args(argv)
    model = build_model(args.model)
    model.summary()
    print(f"{args.model}: {model.count_params():,} parameters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
