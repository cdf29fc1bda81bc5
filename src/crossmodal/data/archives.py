"""Reading members of zip and tar archives without trusting them.

Datasets are read straight from their archives (nothing is extracted to disk), but every member
name is still checked as if it were extracted, as tarfile's ``data`` filter would: absolute paths,
``..`` components and links (tar symbolic and hard links, zip members stored as Unix symbolic
links) that point outside the archive root are refused, because a crafted archive is a crafted
archive whatever we do with it. Links are never followed or returned as data. Truncated or corrupt archives raise :class:`CorruptArchiveError` naming the file.
"""

from __future__ import annotations

import posixpath
import re
import stat
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


def check_link(archive: Path, name: str, link_target: str, symbolic: bool) -> None:
    """Refuse a link whose target, resolved inside the archive, would leave the archive root.

    A symbolic link resolves relative to its own folder, a (tar) hard link relative to the root.
    """
    target = link_target.replace("\\", "/")
    if symbolic:
        target = posixpath.join(posixpath.dirname(name), target)
    normalized = posixpath.normpath(target)
    if target.startswith("/") or normalized == ".." or normalized.startswith("../"):
        raise UnsafeArchiveError(f"{archive}: link {name!r} points outside the archive ({link_target!r})")


def _zip_symlink_target(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The target of a zip member stored as a Unix symbolic link, else ``None``."""
    if not stat.S_ISLNK(info.external_attr >> 16):
        return None
    return zf.read(info).decode("utf-8", errors="replace")


def iter_tar(archive: Path, accept: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, bytes)`` of accepted regular-file members of a (compressed) tar."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                check_member_name(archive, member.name)
                if member.issym() or member.islnk():
                    check_link(archive, member.name, member.linkname, symbolic=member.issym())
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
            symlinks = set()
            for info in infos:
                check_member_name(archive, info.filename)
                link_target = _zip_symlink_target(zf, info)
                if link_target is not None:
                    check_link(archive, info.filename, link_target, symbolic=True)
                    symlinks.add(info.filename)
            for info in infos:
                if info.is_dir() or info.filename in symlinks or not accept(info.filename):
                    continue
                yield info.filename, zf.read(info)
    except UnsafeArchiveError:
        raise
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise CorruptArchiveError(f"{archive}: corrupt or truncated zip archive ({exc})") from exc
    except (NotImplementedError, RuntimeError) as exc:
        # zipfile's words for an encrypted member or an unknown compression method.
        raise CorruptArchiveError(f"{archive}: unreadable zip archive ({exc})") from exc


def check_layout(archive: Path, allowed: re.Pattern[str]) -> int:
    """Refuse an archive holding anything but regular files and folders whose names match
    ``allowed`` (and no absolute or ``..`` name): run at acquisition, before anything is recorded.
    Returns the number of members."""
    def refuse(name: str, why: str) -> UnsafeArchiveError:
        return UnsafeArchiveError(f"{archive}: member {name!r} {why}; refusing the archive")

    count = 0
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    check_member_name(archive, info.filename)
                    if stat.S_ISLNK(info.external_attr >> 16):
                        raise refuse(info.filename, "is a symbolic link, not a regular file")
                    if not allowed.fullmatch(info.filename.rstrip("/")):
                        raise refuse(info.filename, f"is outside the expected layout ({allowed.pattern})")
                    count += 1
            return count
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                check_member_name(archive, member.name)
                if not (member.isfile() or member.isdir()):
                    raise refuse(member.name, "is not a regular file or folder (a link or a device)")
                if not allowed.fullmatch(member.name.rstrip("/")):
                    raise refuse(member.name, f"is outside the expected layout ({allowed.pattern})")
                count += 1
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise CorruptArchiveError(f"{archive}: corrupt or truncated archive ({exc})") from exc
    return count
