"""The letters task: its fonts, its data set drawn as on the page, EMNIST letters in their own format, the
letters model, and the segmentation of words (training/preprocess.py and site/js/preprocess.js agree)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from training import fonts, letters
from training.data import write_idx
from training.fonts import FAMILIES, GLYPHS, FontError
from training.handwriting import TEMPLATES, compose_word, draw_letter, parse_template
from training.preprocess import PreprocessConfig, segment
from training.strokes import draw_strokes
from training.drawing import to_rgba

ROOT = Path(__file__).resolve().parent.parent


def family(name: str, **changes) -> fonts.Family:
    return dataclasses.replace(next(f for f in FAMILIES if f.name == name), **changes)


# Tiny catalogue for fast tests: a Hershey font to train on, one to validate on, one Debian font to test on.
SMALL = (
    family("Hershey Roman", files=("rowmans",)),
    family("Hershey Italic", files=("timesi",)),
    family("DejaVu Sans", split="test", files=("truetype/dejavu/DejaVuSans.ttf",)),
)


@pytest.fixture
def small_catalogue(monkeypatch, tmp_path):
    monkeypatch.setattr(letters, "FAMILIES", SMALL)
    monkeypatch.setattr(letters, "CACHE_DIR", tmp_path / "cache")
    return SMALL


def test_catalogue_splits_by_family_and_each_split_has_handwriting_print_and_strokes():
    names = [f.name for f in FAMILIES]
    assert len(names) == len(set(names))
    for split in fonts.SPLITS:
        kinds = {f.kind for f in FAMILIES if f.split == split}
        # The Hershey fonts hold three Latin designs (Roman, Italic, Script): none is left for the test split.
        assert {"handwriting", "sans", "serif", "mono", *(("stroke",) if split != "test" else ())} <= kinds, (split, kinds)
    assert sum(f.split == "train" for f in FAMILIES) >= 50 and sum(f.split == "test" for f in FAMILIES) >= 12
    # A design never sits in two splits: no font file is listed twice.
    files = [file for f in FAMILIES for file in f.files]
    assert len(files) == len(set(files))


def test_no_design_sits_in_two_splits():
    # A file whose letters repeat another's is one design: in two splits it would put training glyphs in the test.
    assert fonts.shared_designs() == []
    # Hershey's `cursive` is `scripts` letter for letter (it was a test family until this check); Verana is drawn
    # from DejaVu Serif's Bitstream Vera: each is caught the moment it sits in another split than its twin.
    cursive = fonts.Family("Hershey Cursive", fonts.HERSHEY_PACKAGE, "stroke", "test", ("cursive",))
    assert [(a, b, round(overlap, 2)) for a, b, overlap in fonts.shared_designs((family("Hershey Script"), cursive))] == [
        ("Hershey Script (train) scripts", "Hershey Cursive (test) cursive", 1.0)
    ]
    verana = family("Verana", split="test", files=("truetype/adf/Verana-Regular.otf",))
    assert len(fonts.shared_designs((family("DejaVu Serif"), verana))) == 1


def test_the_makefile_installs_exactly_the_catalogues_debian_packages():
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^FONT_PACKAGES := (.*?)(?<!\\)$", makefile, re.MULTILINE | re.DOTALL).group(1)
    assert sorted(listed.replace("\\\n", " ").split()) == fonts.debian_packages()


def test_a_missing_font_names_its_package_and_the_remedy_in_one_line():
    missing = (family("Breip", files=("truetype/breip/no-such-font.ttf",)),)
    with pytest.raises(FontError) as error:
        fonts.check_fonts(missing)
    message = str(error.value)
    assert "no-such-font.ttf" in message and "fonts-breip" in message and "make setup" in message and "apt-get install" in message
    assert "\n" not in message


def test_font_manifest_records_every_files_sha256():
    manifest = fonts.font_manifest(SMALL)
    assert [entry["file"] for entry in manifest["files"]] == ["rowmans", "timesi", "truetype/dejavu/DejaVuSans.ttf"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) for entry in manifest["files"])
    assert manifest == fonts.font_manifest(SMALL)  # Deterministic.
    assert manifest["digest"] != fonts.font_manifest(SMALL[:2])["digest"]


def font_licences_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("font_licences", ROOT / "tools" / "font_licences.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_family_has_its_licence_in_data_fonts_md():
    # The table is what the copyright files say today, for the catalogue of today: a family added to
    # training/fonts.py, or a package whose copyright changes, turns this red until FONTS.md is rewritten.
    font_licences = font_licences_module()
    assert (ROOT / "data" / "FONTS.md").read_text() == font_licences.table(), "run: python tools/font_licences.py --out data/FONTS.md"
    rows = [line for line in font_licences.table().splitlines() if line.startswith("| train") or line.startswith("| validation") or line.startswith("| test")]
    assert len(rows) == len(FAMILIES) and all(row.split("|")[5].strip() for row in rows)


def test_a_copyright_file_is_read_by_its_last_matching_stanza():
    font_licences = font_licences_module()
    text = "Format: x\n\nFiles: *\nLicense: GPL-3\n\nFiles: app/fonts/modern-hermit/*\nLicense: OFL-1.1\n\nFiles: app/fonts/other/*\nLicense: MIT\n\nFiles: debian/*\nLicense: GPL-2+\n"
    stanzas = font_licences.copyright_stanzas(text)
    assert stanzas[0] == (["*"], "GPL-3") and len(stanzas) == 4
    assert font_licences.pattern_matches("app/fonts/modern-hermit/*", "opentype/hermit/Hermit-medium.otf")
    assert not font_licences.pattern_matches("app/fonts/other/*", "opentype/hermit/Hermit-medium.otf")
    assert font_licences.pattern_matches("Play-*.ttf", "truetype/play/Play-Regular.ttf")


def test_every_glyph_of_a_font_is_drawn_as_on_the_page_and_cached(small_catalogue):
    data = letters.letter_set("test", variants=2, workers=1)
    assert data.plain.shape == (52, 28, 28) and data.drawn.shape == (52, 2, 28, 28)
    assert "".join(data.glyphs) == GLYPHS and data.labels.tolist() == [index % 26 for index in range(52)]
    # Every image has ink fitted to the 20 px box, and the drawings are not the rendered glyphs.
    for image in [*data.plain, *data.drawn.reshape(-1, 28, 28)]:
        rows, cols = np.nonzero(image > 50)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 >= 18
    assert np.abs(data.drawn[:, 0].astype(int) - data.plain).mean() > 5
    assert np.abs(data.drawn[:, 0].astype(int) - data.drawn[:, 1]).mean() > 2
    cached = list((letters.CACHE_DIR).glob("letters-test-*.npz"))
    assert len(cached) == 1 and json.loads(cached[0].with_suffix(".fonts.json").read_text())["files"][0]["family"] == "DejaVu Sans"
    again = letters.letter_set("test", variants=2, workers=1)
    np.testing.assert_array_equal(again.drawn, data.drawn)


def test_hershey_glyphs_are_replayed_as_strokes(small_catalogue):
    data = letters.letter_set("validation", variants=1, workers=1)
    assert set(data.family) == {"Hershey Italic"} and data.drawn.shape == (52, 1, 28, 28)
    # The dot of the i survives preprocessing (the letters task keeps pieces this far from the stem).
    i = data.drawn[GLYPHS.index("i"), 0]
    rows = np.flatnonzero(i.max(axis=1) > 50)
    assert np.any(np.diff(rows) > 1), "the i lost its dot"


def make_emnist_letters(directory: Path, split: str, count: int, seed: int) -> np.ndarray:
    """Synthetic EMNIST letters in EMNIST's own format: images stored transposed, labels 1-26, a 3-column
    mapping file. The images are A, B and C drawn from a Hershey font, so labels 1-3 only."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(1, 4, size=count).astype(np.uint8)
    images = np.zeros((count, 28, 28), np.uint8)
    for index, label in enumerate(labels):
        strokes = fonts.hershey_strokes("rowmans", "ABC"[label - 1])
        strokes = [(s - (-10, -12)) * 0.9 + rng.normal(0, 0.4, 2) + 3 for s in strokes]
        images[index] = np.round(255 * draw_strokes(strokes, 28, 28, pen_width=2.0))
    write_idx(directory / f"emnist-letters-{split}-images-idx3-ubyte.gz", images.transpose(0, 2, 1), gzipped=True)
    write_idx(directory / f"emnist-letters-{split}-labels-idx1-ubyte.gz", labels, gzipped=True)
    (directory / "emnist-letters-mapping.txt").write_text("".join(f"{i} {64 + i} {96 + i}\n" for i in range(1, 27)))
    return images


def test_emnist_letters_are_read_upright_with_labels_from_zero(tmp_path):
    images = make_emnist_letters(tmp_path, "test", 12, seed=1)
    data, names = letters.load_emnist_letters(tmp_path, "test")
    np.testing.assert_array_equal(data.images, images)
    assert names == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ") and set(data.labels.tolist()) <= {0, 1, 2}


def test_emnist_with_other_classes_is_refused(tmp_path):
    make_emnist_letters(tmp_path, "test", 4, seed=1)
    (tmp_path / "emnist-letters-mapping.txt").write_text("".join(f"{i} {47 + i}\n" for i in range(1, 27)))
    with pytest.raises(ValueError, match="expected A-Z"):
        letters.load_emnist_letters(tmp_path, "test")


@pytest.mark.slow
def test_the_letters_model_trains_on_emnist_letters_files(tmp_path, monkeypatch):
    from training.train import TrainConfig, train

    monkeypatch.setattr(letters, "CACHE_DIR", tmp_path / "cache")
    data_dir = tmp_path / "emnist"
    data_dir.mkdir()
    make_emnist_letters(data_dir, "train", 300, seed=2)
    make_emnist_letters(data_dir, "test", 60, seed=3)
    config = TrainConfig(model="letters", epochs=3, batch_size=32, canvas_variants=1, validation_size=60, data_dir=str(data_dir))
    run_dir = train(config, tmp_path / "run")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_source"] == "EMNIST letters test set" and metrics["test_examples"] == 60
    matrix = np.array(metrics["confusion_matrix"])
    # Labels 1-3 in the files are A-C: only those rows hold examples, so the shift to 0-25 is right.
    assert matrix[:3].sum() == 60 and matrix[3:].sum() == 0
    assert metrics["test_accuracy"] > 0.5  # Three clean letters: far above chance.
    assert (run_dir / "confusion.png").is_file() and "EMNIST" in (run_dir / "report.md").read_text()


def test_a_refit_trains_on_the_validation_families_too_and_keeps_the_last_epoch(small_catalogue, tmp_path):
    from training.train import TrainConfig, train

    config = TrainConfig(model="letters", epochs=2, batch_size=32, canvas_variants=1)
    plain, drawn, labels, *_ = letters.training_arrays(config)
    assert len(plain) == len(drawn) == len(labels) == 52  # Hershey Roman only.
    plain, drawn, labels, *_ = letters.training_arrays(dataclasses.replace(config, refit=True))
    assert len(plain) == len(drawn) == len(labels) == 104  # Hershey Roman and Hershey Italic.
    assert labels.tolist() == 2 * [index % 26 for index in range(52)] and drawn.shape[1] == 1
    run_dir = train(dataclasses.replace(config, refit=True), tmp_path / "run")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # No held-out family is left to choose an epoch by: the last is kept and no validation figure is claimed.
    assert metrics["best_epoch"] == 2 and metrics["validation_accuracy"] is None
    assert "| epoch kept | 2 (the last: refit on the training and validation families) |" in (run_dir / "report.md").read_text()


def test_the_letters_model_has_26_outputs_and_few_parameters():
    from training.model import build_model

    model = build_model("letters")
    assert model.output_shape == (None, 26) and model.input_shape == (None, 28, 28, 1)
    # One uint8 byte a parameter: 74,960 keeps the first visit with both models under 450 KB (81,458 did not).
    assert model.count_params() == 74_960


@pytest.mark.parametrize("character", sorted(TEMPLATES))
def test_every_template_drawn_alone_is_one_character(character):
    # Each style, several times: a letter of several strokes (E, t, i...) must not be split, whatever the size.
    rng = np.random.default_rng(ord(character))
    for style in range(len(TEMPLATES[character])):
        for _ in range(3):
            assert len(segment(draw_letter(character, style, rng), letters.PREPROCESS)) == 1, (character, style)


def test_a_word_written_small_keeps_its_letters_apart_under_the_letters_pen():
    # Review 12: "cat" with capitals 5-9 % of the pad read W, its letters fused under the digits' thinnest pen (4 px).
    # The letters task draws small writing with its own thinner pen (metadata.json drawing.thinnestPen), and
    # bench.letters measures it on handwriting.small_words: the same words at every height, within the canvas.
    from training.handwriting import small_words
    from training.strokes import draw_page, recognition_pens
    from training.tasks import TASKS

    letters_pen, digits_pen = TASKS["letters"].drawing(), TASKS["digits"].drawing()
    assert letters_pen["thinnestPen"] < digits_pen["thinnestPen"] and {**letters_pen, "thinnestPen": 0} == {**digits_pen, "thinnestPen": 0}
    words = small_words(3, np.random.default_rng(5), "validation", cap_heights=(14, 20, 50))
    assert [truth for _, _, truth in words[::3]] == [truth for _, _, truth in words[1::3]] == [truth for _, _, truth in words[2::3]]
    apart = {"letters": 0, "digits": 0}
    for height, strokes, truth in words:
        points = np.concatenate(strokes)
        assert points.min() >= 0 and points.max() < 280, (height, truth)
        if height < 50:
            assert max(recognition_pens(strokes, letters_pen)) < min(recognition_pens(strokes, digits_pen)) == 16 * digits_pen["thinnestPen"]
            for name, drawing in (("letters", letters_pen), ("digits", digits_pen)):
                apart[name] += len(segment(to_rgba(draw_page(strokes, drawing)), letters.PREPROCESS)) == len(truth)
        else:  # written at an ordinary size, the two pens are one
            assert recognition_pens(strokes, letters_pen) == recognition_pens(strokes, digits_pen)
    # At 14 and 20 px, 46 of 48 words fall into as many characters as they have letters under the letters' pen,
    # 34 under the digits'.
    assert apart["letters"] >= apart["digits"] + 10, apart


def word_canvas(text: str, seed: int = 0) -> tuple[np.ndarray, list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    return compose_word([(c, parse_template(TEMPLATES[c][0])) for c in text], rng, cap_height=90)


def segmented_columns(canvas: np.ndarray, config: PreprocessConfig) -> list[tuple[int, int]]:
    return [(c.left, c.right) for c in segment(canvas, config)]


def ink_boxes(boxes, width=280) -> np.ndarray:
    """Ink rectangles (top, left, bottom, right), inclusive, on a blank 280 px tall canvas -> RGBA."""
    ink = np.zeros((280, width))
    for top, left, bottom, right in boxes:
        ink[top : bottom + 1, left : right + 1] = 1.0
    return to_rgba(ink)


# "li" written close: the l (141 px), then 17 px on the i's stem (81 px) with its dot 24 px above it, so the
# dot's box is nearer the l's box (19 px beside) than its own stem's (24 px under).
L_THEN_I = [(60, 40, 200, 52), (120, 70, 200, 82), (85, 72, 95, 82)]


def test_the_dot_of_an_i_joins_the_stem_under_it_not_a_taller_neighbour():
    found = segment(ink_boxes(L_THEN_I), letters.PREPROCESS)
    assert [(c.top, c.left, c.right) for c in found] == [(60, 40, 52), (85, 70, 82)]
    # The digits' parameters do not read it so (the i is a piece of the taller l; its dot nearer the l):
    # the letters' parameters are what keep the i whole and apart.
    digits = [(c.top, c.left, c.right) for c in segment(ink_boxes(L_THEN_I), PreprocessConfig())]
    assert digits != [(60, 40, 52), (85, 70, 82)]
    weight_one = dataclasses.replace(letters.PREPROCESS, verticalGapWeight=1.0)
    assert [(c.top, c.left, c.right) for c in segment(ink_boxes(L_THEN_I), weight_one)] == [(60, 40, 82), (120, 70, 82)]


def test_the_dot_of_a_lone_i_drawn_well_above_its_stem_is_kept():
    # Stem 80 px, dot 30 px above it: a digit's speck at that distance, an i's dot for the letters task.
    lone_i = ink_boxes([(120, 130, 200, 142), (78, 131, 89, 141)])
    assert segment(lone_i, letters.PREPROCESS)[0].top == 78
    assert segment(lone_i, PreprocessConfig())[0].top == 120


def test_words_are_split_into_their_letters_with_detached_pieces_kept():
    for text, seed in (("HELLO", 1), ("Eft", 2), ("jet", 3), ("quiz", 4)):
        canvas, columns = word_canvas(text, seed)
        found = segmented_columns(canvas, letters.PREPROCESS)
        assert len(found) == len(text), (text, found, columns)
        assert all(left <= right_true and right >= left_true for (left, right), (left_true, right_true) in zip(found, columns)), text


def test_an_e_with_arms_drawn_apart_stays_one_letter():
    # The stem, and three arms that stop short of it (7 px): the arms are bars, they join the stem.
    ink = np.zeros((280, 280))
    ink[60:201, 80:92] = 1
    for top in (60, 125, 189):
        ink[top : top + 12, 99:170] = 1
    assert len(segment(to_rgba(ink), letters.PREPROCESS)) == 1


def slanted(points, slant: float = 0.27, baseline: float = 200.0) -> np.ndarray:
    """Points (x, y) leaning right by 15 degrees about the baseline, as most hands write."""
    points = np.asarray(points, dtype=np.float64)
    return np.column_stack([points[:, 0] + slant * (baseline - points[:, 1]), points[:, 1]])


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> np.ndarray:
    angles = np.deg2rad(np.linspace(start, end, 24))
    return np.column_stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)])


def h_then_e(gap: float, half_height: float = 35) -> np.ndarray:
    """A slanted h (140 px) and an e (2 x half_height, half as tall by default), as people write them (not a
    template): `gap` px between the h's leg and the e's left side along the e's middle row; the page's pen."""
    h = [slanted([(40, 60), (40, 200)]), slanted(np.concatenate([[(40, 150)], arc(60, 150, 20, 20, 180, 360), [(80, 200)]]))]
    centre = 80 + 8 + gap + 8 + 24  # The leg's ink ends 8 px right of its line at 80; the e's starts 8 px left of its own.
    middle = 200 - half_height
    e = [slanted(np.concatenate([[(centre - 24, middle), (centre + 24, middle)], arc(centre, middle, 24, half_height, 0, -310)]))]
    return to_rgba(draw_strokes(h + e, 280, 280, pen_width=16.0))


def test_a_lower_case_letter_a_natural_gap_after_an_ascender_stays_apart():
    # At least 17 px of paper between the letters in every row, 11 % of their 156 px height: the ordinary
    # spacing at which the review's "hello" read as KK. The slant brings the two boxes within 12 px, and the e
    # (86 px) is 0.55 of the h: under the earlier pieceHeight 0.6 it was the h's "piece" and was merged.
    canvas = h_then_e(gap=18)
    found = segment(canvas, letters.PREPROCESS)
    assert len(found) == 2 and found[0].right < found[1].left, [(c.left, c.right) for c in found]
    earlier = dataclasses.replace(letters.PREPROCESS, pieceHeight=0.6, mergeGap=0.04)
    assert len(segment(canvas, earlier)) == 1
    # A taller e (106 px, no piece) at least 8 px from the h in every row, 5 % of their height: the slant
    # brings the boxes within 4 px, which the earlier mergeGap 0.04 took for a pen lift inside one letter.
    closer = h_then_e(gap=9, half_height=45)
    assert len(segment(closer, letters.PREPROCESS)) == 2
    assert len(segment(closer, dataclasses.replace(letters.PREPROCESS, mergeGap=0.04))) == 1
    # Letters that touch are still one character: the rule splits at a gap, not at a join.
    assert len(segment(h_then_e(gap=-2), letters.PREPROCESS)) == 1


def parity_canvases() -> np.ndarray:
    """Words and letters drawn from the templates, with the letters' parameters in mind."""
    canvases = [word_canvas(text, seed)[0] for seed, text in enumerate(("HELLO", "cat", "Jumpy", "fizz", "Right", "quiet", "li"))]
    rng = np.random.default_rng(9)
    singles = [draw_letter(c, 0, rng) for c in "EFHiAjkt"] + [ink_boxes(L_THEN_I)]
    width = max(canvas.shape[1] for canvas in canvases)
    pad = lambda canvas: np.pad(canvas, ((0, 0), (0, width - canvas.shape[1]), (0, 0)), constant_values=255)  # noqa: E731
    return np.stack([pad(canvas) for canvas in canvases + singles])


def test_python_and_javascript_segment_words_the_same_way(tmp_path):
    from training.webruntime import run_js_segment

    # The same canvases through training/preprocess.py and site/js/preprocess.js (Node), both with the
    # letters task's parameters (as its metadata.json gives them to the page): identical boxes, model
    # inputs within 0.02 per pixel.
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps({"preprocess": dataclasses.asdict(letters.PREPROCESS)}))
    canvases = parity_canvases()
    javascript = run_js_segment(canvases, metadata)
    for canvas, js_characters in zip(canvases, javascript):
        python_characters = segment(canvas, letters.PREPROCESS)
        assert [(c.top, c.left, c.bottom, c.right) for c in python_characters] == [box for box, _ in js_characters]
        for python_character, (_, js_input) in zip(python_characters, js_characters):
            assert np.abs(python_character.input - js_input).max() <= 0.02


def test_the_letters_task_has_its_own_preprocessing_and_training_defaults():
    from training.tasks import TASKS
    from training.train import default_config

    assert TASKS["letters"].load_preprocess() == letters.PREPROCESS != TASKS["digits"].load_preprocess() == PreprocessConfig()
    assert default_config("letters").canvas_variants == letters.TRAIN_DEFAULTS["canvas_variants"]
    # On fonts, `make train MODEL=letters` trains the shipped model: its run's config is the default one.
    # (A field added since reads as its default, the behaviour runs had before it: TrainConfig's contract.)
    from training.train import TrainConfig

    shipped = json.loads((ROOT / "models" / "letters" / "config.json").read_text())
    assert default_config("letters") == TrainConfig(**shipped)
    assert set(shipped) <= set(dataclasses.asdict(default_config("letters")))
    # On EMNIST files, the fonts-only settings do not apply (both would be refused with --data-dir).
    assert not default_config("letters", data_dir="emnist").refit and default_config("letters", data_dir="emnist").handwriting_font_weight == 1
    assert default_config("default") == default_config("seed001").__class__(model="default")
    # The test set the task ships with: the held-out families drawn as on the page, labels A-Z.
    assert TASKS["letters"].labels == tuple(letters.LABELS)
