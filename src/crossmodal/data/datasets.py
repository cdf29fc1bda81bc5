"""The dataset registry: where each dataset comes from, how to verify it, how to read it.

Adding a dataset means adding one :class:`DatasetInfo` here; acquisition, preparation, the
configuration checks and the report pick it up from this registry.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossmodal.data.download import Checksum, RemoteFile

if TYPE_CHECKING:
    import torch

# The Snakefile imports this registry on every invocation, so it must not import torch, numpy or
# torchaudio at module level: that alone would double the wall time of a no-op rerun. Readers
# import what they need when they run.

DIGITS = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass
class Split:
    """One split as read from the raw files.

    ``x`` is a uint8 image tensor ``[N, C, H, W]`` or, for audio, a list of ``(samples, rate)``;
    ``y`` indexes the dataset's full class list (:attr:`DatasetInfo.classes`). ``groups`` names
    groups of correlated samples (GTSRB tracks) that validation must not split.
    """

    x: Any
    y: torch.Tensor
    ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def take(self, index: torch.Tensor) -> "Split":
        idx = index.tolist()
        x = [self.x[i] for i in idx] if isinstance(self.x, list) else self.x[index]
        ids = [self.ids[i] for i in idx] if self.ids else []
        groups = [self.groups[i] for i in idx] if self.groups else []
        return Split(x, self.y[index], ids, groups)

    def __len__(self) -> int:
        return len(self.y)


Reader = Callable[[Path, dict[str, Any]], dict[str, Split]]


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: its sources, its full class list, and a reader of its raw files.

    ``options`` lists the dataset-specific keys of ``config datasets.<name>`` its reader
    understands (the generic ones, ``classes`` among them, apply to every dataset).
    """

    name: str
    title: str
    modality: str  # "image" or "audio"
    classes: tuple[str, ...]
    mirror_folder: str
    files: tuple[RemoteFile, ...]
    read: Reader
    citation: str
    license: str
    official_split: str
    options: frozenset[str] = frozenset()

    @property
    def decoder_output(self) -> str:
        return "sigmoid" if self.modality == "image" else "linear"


# --- class selection ---------------------------------------------------------------------------


class ClassSelectionError(ValueError):
    """A ``classes`` option names a class the dataset does not have."""


@dataclass(frozen=True)
class SelectedClass:
    index: int  # position in DatasetInfo.classes (GTSRB: the ClassId; Speech Commands: the word's)
    name: str  # the name used in this project's outputs (e.g. the paper's name for a sign)


def class_selection(info: DatasetInfo, options: Mapping[str, Any] | None = None) -> list[SelectedClass]:
    """The classes a config uses, in the order that defines their labels 0..K-1.

    ``options["classes"]`` lists raw classes as an index into ``info.classes``, a name from it, or
    ``{label: <index or name>, name: <display name>}``; absent, every class is used.
    """
    spec = (options or {}).get("classes")
    if spec is None:
        return [SelectedClass(i, name) for i, name in enumerate(info.classes)]
    selection = []
    for j, item in enumerate(spec):
        label, name = (item["label"], item.get("name")) if isinstance(item, Mapping) else (item, None)
        if isinstance(label, bool) or not isinstance(label, (int, str)):
            raise ClassSelectionError(f"classes.{j}: label {label!r} is neither a class index nor a class name")
        if isinstance(label, int):
            if not 0 <= label < len(info.classes):
                raise ClassSelectionError(f"classes.{j}: {info.name} has no class {label} (0..{len(info.classes) - 1})")
            index = label
        elif label in info.classes:
            index = info.classes.index(label)
        else:
            raise ClassSelectionError(f"classes.{j}: {info.name} has no class {label!r}; known: {list(info.classes)}")
        selection.append(SelectedClass(index, name or info.classes[index]))
    indices = [c.index for c in selection]
    if len(set(indices)) != len(indices):
        raise ClassSelectionError(f"classes: a class is selected twice ({indices})")
    return selection


def selected_indices(info: DatasetInfo, options: Mapping[str, Any]) -> set[int] | None:
    """Raw class indices a reader may restrict itself to (``None``: all), to skip decoding the rest."""
    if options.get("classes") is None:
        return None
    return {c.index for c in class_selection(info, options)}


def _md5(digest: str, of: str = "file", origin: str = "official") -> Checksum:
    return Checksum("md5", digest, of, origin)


def _mirror_sha256(digest: str) -> Checksum:
    return Checksum("sha256", digest, "file", "mirror")


# --- MNIST and Fashion-MNIST -------------------------------------------------------------------

MNIST_URLS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
FASHION_URLS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
IDX_NAMES = (
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
)


def _read_idx_dataset(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    import numpy as np
    import torch

    from crossmodal.data.idx import read_idx_pair

    splits = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x, y = read_idx_pair(raw_dir / f"{prefix}-images-idx3-ubyte.gz", raw_dir / f"{prefix}-labels-idx1-ubyte.gz")
        splits[split] = Split(torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64)))
    return splits


def _idx_files(base_urls: tuple[str, ...], checks: dict[str, tuple[Checksum, ...]], sizes: tuple[int, ...]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(n, base_urls, checks[n], s) for n, s in zip(IDX_NAMES, sizes))


MNIST = DatasetInfo(
    name="mnist",
    title="MNIST",
    modality="image",
    classes=DIGITS,
    mirror_folder="mnist",
    files=_idx_files(
        MNIST_URLS,
        {
            "train-images-idx3-ubyte.gz": (
                _md5("f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                _md5("6bbc9ace898e44ae57da46a324031adb", "gunzipped"),
            ),
            "train-labels-idx1-ubyte.gz": (
                _md5("d53e105ee54ea40749a09fcbcd1e9432"),
                _md5("a25bea736e30d166cdddb491f175f624", "gunzipped"),
            ),
            "t10k-images-idx3-ubyte.gz": (
                _md5("9fb629c4189551a2d022fa330f9573f3"),
                _md5("2646ac647ad5339dbf082846283269ea", "gunzipped"),
            ),
            "t10k-labels-idx1-ubyte.gz": (
                _md5("ec29112dd5afa0611ce80d1b7f02629c"),
                _md5("27ae3e4e09519cfbb04c329615203637", "gunzipped"),
            ),
        },
        (9_912_422, 28_881, 1_648_877, 4_542),
    ),
    read=_read_idx_dataset,
    citation="Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to "
    "document recognition. Proc. IEEE, 1998.",
    license="see http://yann.lecun.com/exdb/mnist/",
    official_split="60,000 train / 10,000 test",
)

FASHION_MNIST = DatasetInfo(
    name="fashion_mnist",
    title="Fashion-MNIST",
    modality="image",
    classes=FASHION_CLASSES,
    mirror_folder="fashion-mnist",
    files=_idx_files(
        FASHION_URLS,
        {
            "train-images-idx3-ubyte.gz": (
                _md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                _mirror_sha256("52cc84f55f4df8170427fd3205cd92c6d944610545f620bd6f4b9719152edc14"),
            ),
            "train-labels-idx1-ubyte.gz": (
                _md5("25c81989df183df01b3e8a0aad5dffbe"),
                _mirror_sha256("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ),
            "t10k-images-idx3-ubyte.gz": (
                _md5("bef4ecab320f06d8554ea6380940ec79"),
                _mirror_sha256("609f5fe5eefcadc815592d9bb31c8b253f2a5738c9c955e1eb5639fa8c9a41a4"),
            ),
            "t10k-labels-idx1-ubyte.gz": (
                _md5("bb300cfdad3c16e7a12a480ee83cd310"),
                _mirror_sha256("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
            ),
        },
        (26_421_880, 29_515, 4_422_102, 5_148),
    ),
    read=_read_idx_dataset,
    citation="H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a novel image dataset for "
    "benchmarking machine learning algorithms. arXiv:1708.07747, 2017.",
    license="MIT (Zalando SE)",
    official_split="60,000 train / 10,000 test",
)

# --- Free Spoken Digit Dataset -----------------------------------------------------------------

FSDD_VERSION = "1.0.10"
FSDD_RECORDING = re.compile(r"(?:^|/)recordings/(\d)_([a-z]+)_(\d+)\.wav$")
FSDD_TEST_INDICES = range(0, 5)  # the dataset README's official split: index 0-4 test, 5-49 train


def _read_fsdd(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    import torch

    from crossmodal.data.archives import iter_tar
    from crossmodal.data.audio import decode_wav

    archive = raw_dir / f"v{FSDD_VERSION}.tar.gz"
    rows: dict[str, list] = {"train": [], "test": []}
    for name, data in iter_tar(archive, lambda n: FSDD_RECORDING.search(n) is not None):
        digit, speaker, index = FSDD_RECORDING.search(name).groups()
        split = "test" if int(index) in FSDD_TEST_INDICES else "train"
        rows[split].append((f"{digit}_{speaker}_{index}", decode_wav(data, f"{archive}:{name}"), int(digit)))
    if not rows["train"] or not rows["test"]:
        raise ValueError(f"{archive}: no recordings/<digit>_<speaker>_<index>.wav members found")
    splits = {}
    for split, items in rows.items():
        items.sort(key=lambda r: r[0])  # archive order is not a contract; ids are
        splits[split] = Split([r[1] for r in items], torch.tensor([r[2] for r in items]), [r[0] for r in items])
    return splits


FSDD = DatasetInfo(
    name="fsdd",
    title="Free Spoken Digit Dataset v1.0.10",
    modality="audio",
    classes=DIGITS,
    mirror_folder="fsdd",
    files=(
        RemoteFile(
            f"v{FSDD_VERSION}.tar.gz",
            ("https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/",),
            (
                # GitHub generates tag archives on the fly, so no stable official archive digest
                # exists; this digest of every file (whole path and bytes) matches any faithful copy
                # of the tag. Built from shared/datasets/fsdd/v1.0.10.tar.gz, the copy that matched
                # the digest pinned before 2026-12-07 over the same recordings.
                Checksum("sha256", "391c111d2830d04915942606a282b6480af670e0c40a25c8aece2171f7d4e13e", "tar-content", "official"),
                _mirror_sha256("0b86c2130f61853402d64cb3bebe845607f163ccf3f43599b7a8f82f9b6e2bfd"),
            ),
            15_609_081,
            members=rf"free-spoken-digit-dataset-{re.escape(FSDD_VERSION)}(/[^/]+)*",
        ),
    ),
    read=_read_fsdd,
    citation="Z. Jackson et al. Jakobovski/free-spoken-digit-dataset v1.0.10 (Zenodo), 2018.",
    license="CC BY-SA 4.0",
    official_split="recording index 0-4 test (300), 5-49 train (2,700)",
)

# --- GTSRB -------------------------------------------------------------------------------------

GTSRB_URLS = ("https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/",)
# Common English names of the 43 GTSRB ClassIds (index = ClassId).
GTSRB_CLASSES = (
    "Speed limit (20km/h)", "Speed limit (30km/h)", "Speed limit (50km/h)", "Speed limit (60km/h)",
    "Speed limit (70km/h)", "Speed limit (80km/h)", "End of speed limit (80km/h)", "Speed limit (100km/h)",
    "Speed limit (120km/h)", "No passing", "No passing for vehicles over 3.5 metric tons",
    "Right-of-way at the next intersection", "Priority road", "Yield", "Stop", "No vehicles",
    "Vehicles over 3.5 metric tons prohibited", "No entry", "General caution", "Dangerous curve to the left",
    "Dangerous curve to the right", "Double curve", "Bumpy road", "Slippery road", "Road narrows on the right",
    "Road work", "Traffic signals", "Pedestrians", "Children crossing", "Bicycles crossing",
    "Beware of ice/snow", "Wild animals crossing", "End of all speed and passing limits", "Turn right ahead",
    "Turn left ahead", "Ahead only", "Go straight or right", "Go straight or left", "Keep right", "Keep left",
    "Roundabout mandatory", "End of no passing", "End of no passing by vehicles over 3.5 metric tons",
)
GTSRB_COLUMNS = ("Filename", "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId")
GTSRB_TRAIN_MEMBER = re.compile(r"^GTSRB/Final_Training/Images/(\d{5})/(GT-\d{5}\.csv|\d{5}_\d{5}\.ppm)$")
GTSRB_TEST_IMAGE = re.compile(r"^GTSRB/Final_Test/Images/(\d{5}\.ppm)$")
GTSRB_TEST_GT = "GT-final_test.csv"
GTSRB_MEMBERS = r"GTSRB(/[^/]+)*"  # every member of the image archives lives under GTSRB/
GTSRB_IMAGE_SIZE = 52  # the AVAE paper resizes every sign to 52x52


class GTSRBFormatError(ValueError):
    """A GTSRB archive or annotation file does not have the official layout."""


def read_gtsrb_annotations(text: str, where: str) -> list[dict[str, Any]]:
    """Rows of a GTSRB semicolon CSV (``GT-000NN.csv``, ``GT-final_test.csv``) with integer fields."""
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    columns = [c.strip() for c in reader.fieldnames or ()]
    for column in GTSRB_COLUMNS:
        if column not in columns:
            raise GTSRBFormatError(f"{where}: missing column {column!r} (columns: {columns})")
    reader.fieldnames = columns
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            rows.append({"Filename": row["Filename"].strip(), **{c: int(row[c]) for c in GTSRB_COLUMNS[1:]}})
        except (AttributeError, TypeError, ValueError) as exc:
            raise GTSRBFormatError(f"{where}, line {line}: expected integer fields, got {dict(row)}") from exc
    return rows


def _gtsrb_image(data: bytes, row: dict[str, Any], where: str, options: Mapping[str, Any]) -> torch.Tensor:
    from crossmodal.data.images import crop_box, decode_ppm, resize_square
    image = decode_ppm(data, where)
    if image.shape[:2] != (row["Height"], row["Width"]):
        raise GTSRBFormatError(
            f"{where}: image is {image.shape[1]}x{image.shape[0]}, its annotation says {row['Width']}x{row['Height']}"
        )
    if options.get("roi_crop", False):
        image = crop_box(image, row["Roi.X1"], row["Roi.Y1"], row["Roi.X2"], row["Roi.Y2"])
    return resize_square(image, int(options.get("image_size", GTSRB_IMAGE_SIZE)))


def _stack(images: list[torch.Tensor], labels: list[int], ids: list[str], groups: list[str] | None = None) -> Split:
    import torch
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return Split(
        torch.stack([images[i] for i in order]) if images else torch.empty(0, 3, 1, 1, dtype=torch.uint8),
        torch.tensor([labels[i] for i in order], dtype=torch.long),
        [ids[i] for i in order],
        [groups[i] for i in order] if groups else [],
    )


def _read_gtsrb_train(archive: Path, wanted: set[int] | None, options: Mapping[str, Any]) -> Split:
    from crossmodal.data.archives import iter_zip
    def accept(name: str) -> bool:
        match = GTSRB_TRAIN_MEMBER.match(name)
        return match is not None and (wanted is None or int(match.group(1)) in wanted)

    members = dict(iter_zip(archive, accept))
    folders = sorted({GTSRB_TRAIN_MEMBER.match(n).group(1) for n in members})
    if not folders:
        raise GTSRBFormatError(f"{archive}: no GTSRB/Final_Training/Images/000NN/ members for the selected classes")
    images, labels, ids, groups = [], [], [], []
    for folder in folders:
        prefix = f"GTSRB/Final_Training/Images/{folder}/"
        annotations = prefix + f"GT-{folder}.csv"
        if annotations not in members:
            raise GTSRBFormatError(f"{archive}: {annotations} is missing")
        where = f"{archive}:{annotations}"
        for row in read_gtsrb_annotations(members[annotations].decode("utf-8-sig"), where):
            if row["ClassId"] != int(folder):
                raise GTSRBFormatError(f"{where}: {row['Filename']} has ClassId {row['ClassId']} in folder {folder}")
            name = prefix + row["Filename"]
            if name not in members:
                raise GTSRBFormatError(f"{where}: lists {row['Filename']}, which the archive lacks")
            images.append(_gtsrb_image(members[name], row, f"{archive}:{name}", options))
            labels.append(row["ClassId"])
            ids.append(f"train/{folder}/{row['Filename']}")
            groups.append(f"{folder}/{row['Filename'].split('_')[0]}")  # the physical sign's track
    return _stack(images, labels, ids, groups)


def _read_gtsrb_test(images_zip: Path, gt_zip: Path, wanted: set[int] | None, options: Mapping[str, Any]) -> Split:
    from crossmodal.data.archives import iter_zip
    gt = [(n, data) for n, data in iter_zip(gt_zip, lambda n: n.rsplit("/", 1)[-1] == GTSRB_TEST_GT)]
    if len(gt) != 1:
        raise GTSRBFormatError(f"{gt_zip}: expected one {GTSRB_TEST_GT}, found {len(gt)}")
    where = f"{gt_zip}:{gt[0][0]}"
    rows = {r["Filename"]: r for r in read_gtsrb_annotations(gt[0][1].decode("utf-8-sig"), where)
            if wanted is None or r["ClassId"] in wanted}

    def accept(name: str) -> bool:
        match = GTSRB_TEST_IMAGE.match(name)
        return match is not None and match.group(1) in rows

    members = {GTSRB_TEST_IMAGE.match(n).group(1): data for n, data in iter_zip(images_zip, accept)}
    missing = sorted(set(rows) - set(members))
    if missing:
        raise GTSRBFormatError(f"{where} lists {len(missing)} image(s) that {images_zip} lacks, e.g. {missing[:3]}")
    images, labels, ids = [], [], []
    for filename, row in rows.items():
        images.append(_gtsrb_image(members[filename], row, f"{images_zip}:{filename}", options))
        labels.append(row["ClassId"])
        ids.append(f"test/{filename}")
    return _stack(images, labels, ids)


def _read_gtsrb(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    wanted = selected_indices(GTSRB, options)
    return {
        "train": _read_gtsrb_train(raw_dir / "GTSRB_Final_Training_Images.zip", wanted, options),
        "test": _read_gtsrb_test(raw_dir / "GTSRB_Final_Test_Images.zip", raw_dir / "GTSRB_Final_Test_GT.zip", wanted, options),
    }


GTSRB = DatasetInfo(
    name="gtsrb",
    title="GTSRB",
    modality="image",
    classes=GTSRB_CLASSES,
    mirror_folder="gtsrb",
    files=(
        RemoteFile(
            "GTSRB_Final_Training_Images.zip",
            GTSRB_URLS,
            (
                _mirror_sha256("a145b117265c00feb2a86c08e1f399f6f800ba44c359ee243925278c563074be"),
                # INI publishes no digest of this archive (torchvision's MD5 is of the different
                # GTSRB-Training_fixed.zip) and no trusted official copy was at hand to build a
                # content digest from, so the official bytes can only be checked by their layout
                # (every one of the 39,209 images and 43 annotation files, by name): accepted only
                # with CROSSMODAL_ACCEPT_LAYOUT_ONLY=1, then recorded and checked at every use.
                Checksum("sha256", "9c2356d58491860a77a7d4d3e949fcc1e1dd8e317ee4b39817251df8758d3aab",
                         "zip-member-names", "layout", "GTSRB/Final_Training/Images/*"),
            ),
            276_000_000,
            members=GTSRB_MEMBERS,
        ),
        RemoteFile(
            "GTSRB_Final_Test_Images.zip",
            GTSRB_URLS,
            (
                _md5("c7e4e6327067d32654124b0fe9e82185"),  # as published by torchvision
                _mirror_sha256("de8b5ce81e528b38bd2a6d58086ef935d3c37ffd0411f42629c85ee2d8c61da8"),
            ),
            89_000_000,
            members=GTSRB_MEMBERS,
        ),
        RemoteFile(
            "GTSRB_Final_Test_GT.zip",
            GTSRB_URLS,
            (
                _md5("fe31e9c9270bbcd7b84b7f21a9d9d9e5"),  # as published by torchvision
                _mirror_sha256("d5b1ba3cb563f9f2d2a1ad66283f730387bd9191348377210f096422908deb88"),
            ),
            100_000,
            members=r"GT-final_test\.csv",
        ),
    ),
    read=_read_gtsrb,
    citation="J. Stallkamp, M. Schlipsing, J. Salmen, C. Igel. The German Traffic Sign Recognition "
    "Benchmark: a multi-class classification competition. IJCNN, 2011.",
    license="see https://benchmark.ini.rub.de/",
    official_split="39,209 train / 12,630 test, 43 classes; validation is held out by whole tracks",
    options=frozenset({"image_size", "roi_crop"}),
)

# --- SVHN --------------------------------------------------------------------------------------

SVHN_URLS = ("http://ufldl.stanford.edu/housenumbers/",)


class SVHNFormatError(ValueError):
    """A file that should be an SVHN ``*_32x32.mat`` is not one."""


def read_svhn_mat(path: Path) -> Split:
    """An SVHN cropped-digits file: ``X`` is 32x32x3xN uint8, ``y`` is Nx1 with 10 meaning digit 0."""
    import numpy as np
    import torch
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        mat = loadmat(path, variable_names=["X", "y"])
    except (MatReadError, NotImplementedError, ValueError, IndexError, OSError) as exc:  # IndexError: short files
        raise SVHNFormatError(f"{path}: not a readable MATLAB v5 file ({exc})") from exc
    for key in ("X", "y"):
        if key not in mat:
            raise SVHNFormatError(f"{path}: no variable {key!r} (the official files hold 'X' and 'y')")
    x, y = mat["X"], np.asarray(mat["y"]).reshape(-1)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
        raise SVHNFormatError(f"{path}: 'X' is {x.dtype} {x.shape}, expected uint8 32x32x3xN")
    if len(y) != x.shape[3]:
        raise SVHNFormatError(f"{path}: {x.shape[3]} images but {len(y)} labels")
    if len(y) and (y.min() < 1 or y.max() > 10):
        raise SVHNFormatError(f"{path}: labels span {y.min()}..{y.max()}, expected 1..10 (10 is digit 0)")
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(3, 2, 0, 1)))
    return Split(images, torch.from_numpy((y % 10).astype(np.int64)), [f"{path.stem}/{i}" for i in range(len(y))])


def _read_svhn(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    return {split: read_svhn_mat(raw_dir / f"{split}_32x32.mat") for split in ("train", "test")}


SVHN = DatasetInfo(
    name="svhn",
    title="SVHN",
    modality="image",
    classes=DIGITS,
    mirror_folder="svhn",
    files=(
        RemoteFile("train_32x32.mat", SVHN_URLS, (_md5("e26dedcc434d2e4c54c9b2d4a06d8373"),), 182_040_794),
        RemoteFile("test_32x32.mat", SVHN_URLS, (_md5("eb5a983be6a315427106f1b164d9cef3"),), 64_275_384),
    ),
    read=_read_svhn,
    citation="Y. Netzer, T. Wang, A. Coates, A. Bissacco, B. Wu, A. Y. Ng. Reading digits in natural "
    "images with unsupervised feature learning. NIPS Workshop on Deep Learning and Unsupervised "
    "Feature Learning, 2011.",
    license="non-commercial use; see http://ufldl.stanford.edu/housenumbers/",
    official_split="73,257 train / 26,032 test (the 'extra' set is not used)",
)

# --- Google Speech Commands v0.02 --------------------------------------------------------------

SPEECH_COMMANDS_WORDS = (
    "backward", "bed", "bird", "cat", "dog", "down", "eight", "five", "follow", "forward", "four", "go",
    "happy", "house", "learn", "left", "marvin", "nine", "no", "off", "on", "one", "right", "seven",
    "sheila", "six", "stop", "three", "tree", "two", "up", "visual", "wow", "yes", "zero",
)
SPEECH_COMMANDS_CLIP = re.compile(r"^(?:\./)?([A-Za-z_]+)/([0-9a-f]+_nohash_\d+\.wav)$")
SPEECH_COMMANDS_NOISE = "_background_noise_"
SPEECH_COMMANDS_LISTS = {"validation_list.txt": "val", "testing_list.txt": "test"}
SPEECH_COMMANDS_FRACTIONS = (0.8, 0.1, 0.1)  # the AVAE paper's random train:val:test split


class SpeechCommandsFormatError(ValueError):
    """A Speech Commands archive without the official layout."""


def _read_speech_commands(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    import torch
    from crossmodal.data.archives import iter_tar
    from crossmodal.data.audio import decode_wav
    from crossmodal.data.splits import stratified_parts
    archive = raw_dir / "speech_commands_v0.02.tar.gz"
    wanted = selected_indices(SPEECH_COMMANDS, options)

    def accept(name: str) -> bool:
        if name.removeprefix("./") in SPEECH_COMMANDS_LISTS:
            return True
        match = SPEECH_COMMANDS_CLIP.match(name)
        if match is None or match.group(1) == SPEECH_COMMANDS_NOISE:
            return False
        word = match.group(1)
        # Unknown words are read so that the loop below can refuse them by name.
        return word not in SPEECH_COMMANDS_WORDS or wanted is None or SPEECH_COMMANDS_WORDS.index(word) in wanted

    clips: list[tuple[str, tuple[Any, int], int]] = []
    lists: dict[str, set[str]] = {}
    for name, data in iter_tar(archive, accept):
        listed = SPEECH_COMMANDS_LISTS.get(name.removeprefix("./"))
        if listed is not None:
            lists[listed] = set(data.decode("utf-8").split())
            continue
        word, filename = SPEECH_COMMANDS_CLIP.match(name).groups()
        if word not in SPEECH_COMMANDS_WORDS:
            raise SpeechCommandsFormatError(
                f"{archive}: folder {word!r} is not one of the {len(SPEECH_COMMANDS_WORDS)} words of v0.02"
            )
        clips.append((f"{word}/{filename}", decode_wav(data, f"{archive}:{name}"), SPEECH_COMMANDS_WORDS.index(word)))
    if not clips:
        raise SpeechCommandsFormatError(f"{archive}: no <word>/<speaker>_nohash_<n>.wav clips of the selected words")
    clips.sort(key=lambda c: c[0])
    everything = Split([c[1] for c in clips], torch.tensor([c[2] for c in clips]), [c[0] for c in clips])
    if options.get("split", "random") == "official":
        for listed in ("val", "test"):
            if listed not in lists:
                raise SpeechCommandsFormatError(f"{archive}: the official split needs its {listed} list, which is missing")
        part = ["test" if i in lists["test"] else "val" if i in lists["val"] else "train" for i in everything.ids]
        return {s: everything.take(torch.tensor([j for j, p in enumerate(part) if p == s], dtype=torch.long))
                for s in ("train", "val", "test")}
    generator = torch.Generator().manual_seed(int(options.get("split_seed", 0)))
    parts = stratified_parts(everything.y, SPEECH_COMMANDS_FRACTIONS, generator)
    return dict(zip(("train", "val", "test"), (everything.take(p) for p in parts)))


SPEECH_COMMANDS = DatasetInfo(
    name="speech_commands",
    title="Google Speech Commands v0.02",
    modality="audio",
    classes=SPEECH_COMMANDS_WORDS,
    mirror_folder="speech_commands",
    files=(
        RemoteFile(
            "speech_commands_v0.02.tar.gz",
            ("http://download.tensorflow.org/data/",),
            (
                # torchaudio's SHA-256 (torchaudio.datasets.speechcommands) and the MD5 it published earlier.
                Checksum("sha256", "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58"),
                _md5("6b74f3901214cb2c2934e98196829835"),
            ),
            2_430_000_000,  # about 2.3 GiB
            # one folder per word (and _background_noise_) plus the lists and licence at the top
            members=r"(\./)?([^/]+(/[^/]+)?)?",
        ),
    ),
    read=_read_speech_commands,
    citation="P. Warden. Speech Commands: a dataset for limited-vocabulary speech recognition. "
    "arXiv:1804.03209, 2018.",
    license="CC BY 4.0",
    official_split="105,829 clips of 35 words; validation_list.txt / testing_list.txt (the AVAE paper "
    "instead splits its selection 8:1:1 at random)",
    options=frozenset({"split"}),
)

DATASETS: dict[str, DatasetInfo] = {d.name: d for d in (MNIST, FASHION_MNIST, FSDD, GTSRB, SVHN, SPEECH_COMMANDS)}


def dataset_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None


def dataset_classes(name: str, options: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """Names of the classes a config uses for ``name``, label order (all classes without a selection)."""
    return tuple(c.name for c in class_selection(dataset_info(name), options))
