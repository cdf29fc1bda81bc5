"""Atomic, verified downloads from the official servers or from a local mirror.

The mirror is not a special case: ``CROSSMODAL_DATA_MIRROR=<dir>`` only replaces the list of base URLs by
``file://<dir>/<dataset folder>/``, and the same ``urllib`` code path reads it. Every file is
streamed into a temporary file next to its destination, hashed while it streams, verified, and only
then renamed into place, so an interrupted or corrupt download never looks complete.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import http.client
import logging
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from crossmodal.data.archives import check_layout

log = logging.getLogger(__name__)

MIRROR_ENV = "CROSSMODAL_DATA_MIRROR"
LAYOUT_ONLY_ENV = "CROSSMODAL_ACCEPT_LAYOUT_ONLY"
CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be fetched from any of its sources."""


class ChecksumError(RuntimeError):
    """A fetched file matched none of its known checksums."""


@dataclass(frozen=True)
class Checksum:
    """A known digest of a file.

    ``of``: ``"file"`` hashes the bytes as fetched, ``"gunzipped"`` the decompressed content of a
    ``.gz`` file, ``"tar-content"`` the files of a tar archive (each by its whole path and bytes, in
    name order; an archive with links or devices matches nothing), ``"zip-member-names"`` the sorted names of a zip's file
    members that match the glob ``members``. Re-packed archives (the mirror's, GitHub's generated
    tarballs) only match by content.
    ``origin``: ``"official"`` (published by the dataset's authors or torchvision, or computed over
    the members of a documented faithful copy), ``"mirror"`` (this project's offline copy,
    ``shared/datasets/SHA256SUMS``) or ``"layout"`` (a digest of the archive's member names only).
    A layout digest proves an archive is the complete dataset but not what its files hold, so it is
    accepted only where no content digest exists and only when the user says so
    (``CROSSMODAL_ACCEPT_LAYOUT_ONLY=1``).
    """

    algorithm: str
    digest: str
    of: str = "file"
    origin: str = "official"
    members: str = "*"


@dataclass(frozen=True)
class RemoteFile:
    name: str
    base_urls: tuple[str, ...]
    checksums: tuple[Checksum, ...]
    approx_bytes: int
    # For an archive: the member names it may hold (a regex over the whole name). Anything else, or
    # any member that is not a regular file or folder, is refused at acquisition.
    members: str = ""

    def url_path(self) -> str:
        return quote(self.name)


def mirror_base_urls(mirror_folder: str, mirror: str | os.PathLike[str] | None = None) -> tuple[str, ...] | None:
    """``file://`` base URL of a dataset's folder in the mirror, if a mirror is configured."""
    root = mirror if mirror is not None else os.environ.get(MIRROR_ENV)
    if not root:
        return None
    folder = (Path(root).expanduser().resolve() / mirror_folder).as_uri()
    return (folder + "/",)


def tar_content_digest(path: Path, algorithm: str) -> str:
    """Digest of a tar's files, each by its whole path and bytes, in name order; ``""`` (matching
    nothing) for an archive holding anything but files and folders.

    Folder entries hold nothing and packers differ on writing them, so they are left out; an extra
    file, a link, a renamed top folder or a changed byte all change the digest.
    """
    import tarfile

    h = hashlib.new(algorithm)
    try:
        with tarfile.open(path, "r:*") as tar:
            members = tar.getmembers()
            if not all(m.isfile() or m.isdir() for m in members):
                return ""
            for member in sorted((m for m in members if m.isfile()), key=lambda m: m.name):
                h.update(member.name.encode() + b"\0")
                h.update(tar.extractfile(member).read())
    except (tarfile.TarError, OSError, EOFError) as exc:
        log.debug("cannot read %s as tar: %s", path, exc)
        return ""
    return h.hexdigest()


def zip_member_names_digest(path: Path, algorithm: str, members: str = "*") -> str:
    """Digest of the sorted names of a zip's file members matching the glob ``members``."""
    import fnmatch
    import zipfile

    h = hashlib.new(algorithm)
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(i.filename for i in zf.infolist() if not i.is_dir() and fnmatch.fnmatchcase(i.filename, members))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        log.debug("cannot read %s as zip: %s", path, exc)
        return ""
    for name in names:
        h.update(name.encode() + b"\0")
    return h.hexdigest()


def _digest(path: Path, checksum: Checksum) -> str:
    algorithm, of = checksum.algorithm, checksum.of
    if of == "tar-content":
        return tar_content_digest(path, algorithm)
    if of == "zip-member-names":
        return zip_member_names_digest(path, algorithm, checksum.members)
    h = hashlib.new(algorithm)
    opener = gzip.open if of == "gunzipped" else open
    try:
        with opener(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
    except (OSError, EOFError) as exc:
        # A corrupt .gz cannot match a content checksum; the file-level digests still decide.
        log.debug("cannot decompress %s: %s", path, exc)
        return ""
    return h.hexdigest()


def layout_only_accepted() -> bool:
    return os.environ.get(LAYOUT_ONLY_ENV, "") == "1"


def matching_checksum(path: Path, checksums: tuple[Checksum, ...], accept_layout: bool | None = None) -> Checksum | None:
    """The first known checksum ``path`` matches, or ``None``. A layout digest counts only with
    ``accept_layout`` (default: the user's ``CROSSMODAL_ACCEPT_LAYOUT_ONLY=1``)."""
    if accept_layout is None:
        accept_layout = layout_only_accepted()
    cache: dict[tuple[str, str, str], str] = {}
    for checksum in checksums:
        if checksum.origin == "layout" and not accept_layout:
            continue
        key = (checksum.algorithm, checksum.of, checksum.members)
        if key not in cache:
            cache[key] = _digest(path, checksum)
        if cache[key] == checksum.digest:
            return checksum
    return None


def describe_mismatch(path: Path, checksums: tuple[Checksum, ...]) -> str:
    """Every known digest of ``path`` against what it has, one line each, and what a layout match means."""
    lines = []
    layout_matched = False
    for c in checksums:
        actual = _digest(path, c) or "<not decompressible>"
        lines.append(f"  {c.origin} {c.algorithm} of {c.of}: expected {c.digest}, got {actual}")
        layout_matched |= c.origin == "layout" and actual == c.digest
    if layout_matched and not layout_only_accepted():
        lines.append(
            f"  Its member names match the official layout, but no digest of its content is pinned. If it is "
            f"the official archive, fetched from the official server, set {LAYOUT_ONLY_ENV}=1 to accept it by "
            "layout; its bytes are then recorded and checked at every use."
        )
    return "\n".join(lines)


def check_free_space(directory: Path, needed_bytes: int, what: str) -> None:
    """Refuse to start a download that cannot fit (with 10% headroom)."""
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    if free < needed_bytes * 1.1:
        raise DownloadError(
            f"not enough free disk space for {what}: need about {needed_bytes / 1e9:.2f} GB "
            f"in {directory}, only {free / 1e9:.2f} GB free"
        )


def _stream_to(url: str, tmp: Path) -> None:
    """Copy ``url`` into ``tmp``; an HTTP body shorter than its announced length is an interruption.

    ``http.client`` returns a short body without complaint when a server closes the connection
    early, so the announced ``Content-Length`` is checked here rather than left to the checksum.
    (A ``file://`` length is only a ``stat`` taken at opening time, so it is not checked.)
    """
    with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
        shutil.copyfileobj(response, out, CHUNK)
        announced = response.headers.get("Content-Length")
        received = out.tell()
    over_http = urllib.parse.urlsplit(url).scheme in ("http", "https")
    if over_http and announced is not None and announced.isdigit() and received != int(announced):
        raise DownloadError(f"interrupted after {received} of {int(announced)} bytes")


def _remove_stale_partials(dest_dir: Path, name: str) -> None:
    """Temp files of a killed earlier fetch: never complete, never renamed, safe to drop."""
    for stale in dest_dir.glob(f".{glob.escape(name)}.part*"):
        log.info("removing %s left by an interrupted download", stale)
        stale.unlink(missing_ok=True)


def fetch(remote: RemoteFile, dest_dir: Path, base_urls: tuple[str, ...] | None = None) -> Path:
    """Fetch ``remote`` into ``dest_dir``, verified, and return its path (see :func:`fetch_verified`)."""
    return fetch_verified(remote, dest_dir, base_urls)[0]


def fetch_verified(remote: RemoteFile, dest_dir: Path, base_urls: tuple[str, ...] | None = None) -> tuple[Path, Checksum]:
    """Fetch ``remote`` into ``dest_dir``, verified; its path and the known checksum it matched.

    An existing verified file is kept. ``base_urls`` overrides the official ones (the mirror).
    Raises :class:`DownloadError` naming every place looked in, or :class:`ChecksumError` naming
    the file, its source and the expected and actual digests. Whatever happens, ``dest_dir`` ends
    up holding either the verified file or nothing of it.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / remote.name
    _remove_stale_partials(dest_dir, remote.name)
    if dest.exists():
        if (present := matching_checksum(dest, remote.checksums)) is not None:
            if remote.members:
                check_layout(dest, re.compile(remote.members))
            log.info("%s: present and verified", dest)
            return dest, present
        log.warning("%s: present but fails verification; fetching again", dest)
        dest.unlink()
    check_free_space(dest_dir, remote.approx_bytes, remote.name)
    tried: list[str] = []
    for base in base_urls or remote.base_urls:
        url = base.rstrip("/") + "/" + remote.url_path()
        tmp = dest_dir / f".{remote.name}.part{os.getpid()}"
        try:
            log.info("fetching %s", url)
            try:
                _stream_to(url, tmp)
            except (urllib.error.URLError, http.client.HTTPException, DownloadError, OSError, ValueError) as exc:
                plain_url_error = type(exc) is urllib.error.URLError  # HTTPError's str has the status
                tried.append(f"  {url}: {exc.reason if plain_url_error else exc}")
                continue
            match = matching_checksum(tmp, remote.checksums)
            if match is None:
                raise ChecksumError(
                    f"checksum mismatch for {remote.name} fetched from {url}:\n"
                    + describe_mismatch(tmp, remote.checksums)
                    + "\nThe file was not kept. If the source changed on purpose, update its "
                    "checksums in its dataset module under src/crossmodal/data/."
                )
            if remote.members:
                check_layout(tmp, re.compile(remote.members))
            os.replace(tmp, dest)
        finally:
            # Any failure, including KeyboardInterrupt or SIGTERM, leaves no temp file behind.
            tmp.unlink(missing_ok=True)
        log.info("%s: verified (%s %s of %s)", remote.name, match.origin, match.algorithm, match.of)
        return dest, match
    raise DownloadError(
        f"could not fetch {remote.name}; looked in:\n" + "\n".join(tried)
        + f"\nOffline? Set {MIRROR_ENV} to a folder holding <dataset>/{remote.name}."
    )
