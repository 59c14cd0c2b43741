"""Which files a sync may read: a walk of the synced folders that never leaves them.

Policy (there is no switch to loosen it):
- A symbolic link is followed only when its target lies inside the synced folder it was found in; a
  link that leaves the folder (to `/etc/passwd`, a home directory, another share) is skipped and
  reported with its reason. Linked folders are never descended (their files, when inside the folder,
  are indexed at their own place). A file named on the command line is taken as given.
- Only regular files are read: FIFOs, sockets and devices are skipped with a reason (opening a FIFO
  would block the sync forever).
- An entry that cannot be handled (a name that is not valid UTF-8, a looping or broken link, a folder
  without read permission) is reported on its own; the walk goes on with the rest.
- Hidden files and folders (a leading dot) are left out, as before.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

OUTSIDE_LINK = "symbolic link to {target}, outside the synced folder: not followed (links never leave the folder)"
FOLDER_LINK = "symbolic link to a folder: not followed (files inside the synced folder are indexed at their own place)"
NOT_REGULAR = "not a regular file ({kind}): only regular files are read"
BAD_NAME = "the file name is not valid UTF-8: rename it (for example with `convmv -f latin1 -t utf8`) to index it"
BAD_FOLDER_NAME = "the folder name is not valid UTF-8: rename it to index the files inside"
BROKEN_LINK = "broken or looping symbolic link ({reason})"
UNREADABLE_FOLDER = "cannot open this folder ({reason}): the files inside were not indexed"


@dataclass(frozen=True)
class Found:
    """One entry of a walk: a regular file to read (`real` set), or why the entry was left out.

    `shown` is the entry's path as a person should see it (undecodable bytes escaped). A left-out entry
    is either skipped by policy (`failed=False`: links leaving the folder, FIFOs) or a failure the
    person must fix (`failed=True`: bad names, broken links, unreadable folders).
    """

    shown: str
    real: Path | None
    reason: str | None = None
    failed: bool = False
    root: Path | None = None  # the synced folder (resolved) the file was found under
    link_target: Path | None = None  # for a link left out because it leaves the folder: where it points


def printable(path: str | os.PathLike[str]) -> str:
    """A path that can be printed and stored: bytes that are not UTF-8 appear as `\\xff` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _real(path: str) -> tuple[Path | None, str | None]:
    """(resolved path, None) or (None, why it cannot be resolved: a loop, a dangling link)."""
    try:
        return Path(os.path.realpath(path, strict=True)), None
    except (OSError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return None, reason


def _link(path: str, shown: str, root: Path) -> Found:
    target, problem = _real(path)
    if target is None:
        return Found(shown, None, BROKEN_LINK.format(reason=problem), failed=True)
    if not target.is_relative_to(root):
        return Found(shown, None, OUTSIDE_LINK.format(target=printable(target)), link_target=target)
    try:
        mode = target.stat().st_mode
    except OSError as exc:
        return Found(shown, None, BROKEN_LINK.format(reason=exc.strerror or exc), failed=True)
    if stat.S_ISDIR(mode):
        return Found(shown, None, FOLDER_LINK)
    if not stat.S_ISREG(mode):
        return Found(shown, None, NOT_REGULAR.format(kind=_kind(mode)))
    return Found(shown, target, root=root)


def _walk_folder(root: Path) -> Iterator[Found]:
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield Found(printable(folder), None, UNREADABLE_FOLDER.format(reason=exc.strerror or exc), failed=True)
            continue
        subfolders: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            shown = printable(entry.path)
            try:
                if entry.is_symlink():
                    if not _utf8(entry.name):
                        yield Found(shown, None, BAD_NAME, failed=True)
                    else:
                        yield _link(entry.path, shown, root)
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if _utf8(entry.name):
                        subfolders.append(entry.path)
                    else:
                        yield Found(shown, None, BAD_FOLDER_NAME, failed=True)
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                yield Found(shown, None, f"cannot read this entry ({exc.strerror or exc})", failed=True)
                continue
            if not _utf8(entry.name):
                yield Found(shown, None, BAD_NAME, failed=True)
            elif not stat.S_ISREG(mode):
                yield Found(shown, None, NOT_REGULAR.format(kind=_kind(mode)))
            else:
                yield Found(shown, Path(entry.path), root=root)
        stack.extend(reversed(subfolders))


def walk(roots: Iterable[Path]) -> Iterator[Found]:
    """Every entry under the roots (recursive, sorted, hidden ones left out), each a `Found`.

    A root is resolved first (a root given as a link is the person's explicit choice); everything under
    it must stay under it.
    """
    for root in roots:
        real, problem = _real(str(root))
        if real is None:
            yield Found(printable(root), None, BROKEN_LINK.format(reason=problem), failed=True)
            continue
        try:
            mode = real.stat().st_mode
        except OSError as exc:
            yield Found(printable(root), None, f"cannot read this entry ({exc.strerror or exc})", failed=True)
            continue
        if stat.S_ISDIR(mode):
            yield from _walk_folder(real)
        elif stat.S_ISREG(mode):
            yield Found(printable(root), real, root=real)
        else:
            yield Found(printable(root), None, NOT_REGULAR.format(kind=_kind(mode)))


def synced_root(path: Path) -> Path | None:
    """The resolved folder (or file) a sync root stands for, or None when it cannot be resolved."""
    real, _ = _real(str(path))
    return real
