"""Ways a model folder can be wrong, for the tests that check the page says so (in Node and in Chromium).

Each function damages a copy of a model folder (metadata.json, model.json, weight files) in place, as an
old, hand-edited, mismatched or half-deployed folder would be. Where only a file's content is meant to be
wrong, its SHA-256 in metadata.json is updated too, so the page's checksum check does not catch it first.
FAULTS maps each to the words the page's one-line message must contain.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def read_metadata(model_dir: Path) -> dict:
    return json.loads((model_dir / "metadata.json").read_text())


def edit_metadata(model_dir: Path, change) -> None:
    metadata = read_metadata(model_dir)
    change(metadata)
    (model_dir / "metadata.json").write_text(json.dumps(metadata))


def replace_file(model_dir: Path, name: str, data: bytes) -> None:
    """Write `name` and record its new SHA-256 and size in metadata.json, as a conversion would."""
    (model_dir / name).write_bytes(data)

    def record(metadata):
        entry = next(file for file in metadata["files"] if file["path"] == name)
        entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))

    edit_metadata(model_dir, record)


def weight_file(model_dir: Path) -> Path:
    return model_dir / next(file["path"] for file in read_metadata(model_dir)["files"] if file["path"].endswith(".bin"))


def flip_a_weight_byte(model_dir: Path) -> None:
    weights = weight_file(model_dir)
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))


def truncate_the_weights(model_dir: Path) -> None:
    # As a server sends a file still being uploaded: the first half.
    weights = weight_file(model_dir)
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def drop_the_drawing_settings(model_dir: Path) -> None:
    # As in a metadata.json written before the page's pen and canvas size moved into it.
    edit_metadata(model_dir, lambda metadata: metadata.pop("drawing"))


def drop_the_pen_rule(model_dir: Path) -> None:
    # As in a metadata.json written before the recognition pen thinned with small writing.
    edit_metadata(model_dir, lambda metadata: metadata["drawing"].pop("fullPenHeight"))


def a_thinnest_pen_wider_than_the_pen(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["drawing"].update(thinnestPen=4))


def image_size_disagrees_with_the_input_shape(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["preprocess"].update(imageSize=20, boxSize=14))


def empty_model_json(model_dir: Path) -> None:
    replace_file(model_dir, "model.json", b"{}")


def one_label_short(model_dir: Path) -> None:
    # A model of ten classes described by nine labels (say, an edit meant for another model).
    edit_metadata(model_dir, lambda metadata: metadata["labels"].pop())


def an_input_the_model_does_not_take(model_dir: Path) -> None:
    # metadata.json agrees with itself (32 x 32), but the model takes 28 x 28.
    edit_metadata(model_dir, lambda metadata: (metadata["input"].update(shape=[32, 32, 1]), metadata["preprocess"].update(imageSize=32)))


def three_channels(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["input"].update(shape=[28, 28, 3]))


def a_box_larger_than_the_image(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["preprocess"].update(boxSize=40))


def duplicate_labels(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["labels"].__setitem__(1, metadata["labels"][0]))


def a_threshold_above_one(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["display"].update(confidenceThreshold=70))


def a_touching_hint_that_is_not_a_ratio(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata["display"].update(touchingAspect="wide"))


def a_similarity_nothing_reaches(model_dir: Path) -> None:
    # Cosine similarity is at most 1: at 1 the rule would divide by zero.
    edit_metadata(model_dir, lambda metadata: metadata["corrections"].update(similarity=1))


def no_file_list(model_dir: Path) -> None:
    edit_metadata(model_dir, lambda metadata: metadata.pop("files"))


def truncated_metadata(model_dir: Path) -> None:
    text = (model_dir / "metadata.json").read_text()
    (model_dir / "metadata.json").write_text(text[: len(text) // 2])


def weights_of_another_size(model_dir: Path) -> None:
    # model.json's manifest promises more weights than the file holds (a model.json of another model).
    model = json.loads((model_dir / "model.json").read_text())
    model["weightsManifest"][0]["weights"][0]["shape"][-1] *= 2
    replace_file(model_dir, "model.json", json.dumps(model).encode())


# name: (damage, what the page's message says)
FAULTS = {
    "corrupt-weights": (flip_a_weight_byte, "is corrupt: SHA-256"),
    "truncated-weights": (truncate_the_weights, "is corrupt: SHA-256"),
    "old-metadata": (drop_the_drawing_settings, "lacks a valid drawing.canvasSize"),
    "no-pen-rule": (drop_the_pen_rule, "lacks a valid drawing.fullPenHeight"),
    "thinnest-pen": (a_thinnest_pen_wider_than_the_pen, "drawing.thinnestPen 4 is wider than the pen (at most 1)"),
    "image-size": (image_size_disagrees_with_the_input_shape, "preprocess.imageSize 20 disagrees with input.shape [28,28,1]"),
    "empty-model-json": (empty_model_json, "model.json is not a TensorFlow.js layers model"),
    "labels-short": (one_label_short, "gives [any, 10] probabilities, but metadata.json lists 9 labels"),
    "input-shape": (an_input_the_model_does_not_take, "takes input [any, 28, 28, 1], but metadata.json says [any, 32, 32, 1]"),
    "three-channels": (three_channels, "has 3 channels, but the page draws in one"),
    "box-size": (a_box_larger_than_the_image, "preprocess.boxSize 40 does not fit in imageSize 28"),
    "duplicate-labels": (duplicate_labels, "labels has duplicates"),
    "threshold": (a_threshold_above_one, "lacks a valid display.confidenceThreshold"),
    "touching": (a_touching_hint_that_is_not_a_ratio, "lacks a valid display.touchingAspect"),
    "similarity": (a_similarity_nothing_reaches, "lacks a valid corrections.similarity"),
    "no-file-list": (no_file_list, "lacks a valid files"),
    "truncated-metadata": (truncated_metadata, "metadata.json is not valid JSON"),
    "weights-size": (weights_of_another_size, "TensorFlow.js cannot load"),
}
