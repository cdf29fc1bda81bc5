"""Reading members of zip and tar archives without trusting them.

Datasets are read straight from their archives (nothing is extracted to disk), but every member
name is still checked as if it were extracted: absolute paths, ``..`` components and links that
point outside the archive root are refused, because a crafted archive is a crafted archive whatever
we do with it. Truncated or corrupt archives raise :class:`CorruptArchiveError` naming the file.
"""

from __future__ import annotations

import posixpath
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path


class UnsafeArchiveError(RuntimeError):
    """An archive member would escape the extraction root."""


class CorruptArchiveError(RuntimeError):
    """An archive is truncated or not an archive at all."""


def check_member_name(archive: Path, name: str) -> None:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to read it")
    if ".." in name.replace("\\", "/").split("/"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains '..'; refusing to read it")


def _check_link(archive: Path, member: tarfile.TarInfo) -> None:
    target = member.linkname
    if member.issym():
        target = posixpath.join(posixpath.dirname(member.name), target)
    normalized = posixpath.normpath(target)
    if target.startswith("/") or normalized == ".." or normalized.startswith("../"):
        raise UnsafeArchiveError(
            f"{archive}: link {member.name!r} points outside the archive ({member.linkname!r})"
        )


def iter_tar(archive: Path, accept: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, bytes)`` of accepted regular-file members of a (compressed) tar."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                check_member_name(archive, member.name)
                if member.issym() or member.islnk():
                    _check_link(archive, member)
                    continue
                if not member.isfile() or not accept(member.name):
                    continue
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                yield member.name, fh.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise CorruptArchiveError(f"{archive}: corrupt or truncated tar archive ({exc})") from exc


def iter_zip(archive: Path, accept: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, bytes)`` of accepted file members of a zip archive."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                check_member_name(archive, info.filename)
            for info in infos:
                if info.is_dir() or not accept(info.filename):
                    continue
                yield info.filename, zf.read(info)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise CorruptArchiveError(f"{archive}: corrupt or truncated zip archive ({exc})") from exc
