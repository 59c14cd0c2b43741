"""Errors a person can act on, and the one place that turns them into messages instead of tracebacks."""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
import typer.core

P = ParamSpec("P")
# What a folder that cannot hold citewise's state fails with: no permission, a file in the way, a
# read-only or full disk.
_SETUP_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EROFS, errno.ENOSPC, errno.EEXIST}
R = TypeVar("R")


class UserError(Exception):
    """Something the user can fix; the message says how."""


def user_message(exc: BaseException) -> str | None:
    """A readable message for the errors we expect from bad settings or a broken index, else None."""
    from pydantic import ValidationError

    from app.index import (
        IndexBusy,
        IndexFormatOutdated,
        IndexModelMismatch,
        KeywordSearchError,
        ReembedPending,
        VectorStoreError,
    )

    known = (UserError | IndexModelMismatch | IndexFormatOutdated | VectorStoreError | IndexBusy | ReembedPending
             | KeywordSearchError)
    if isinstance(exc, known):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename and exc.errno in _SETUP_ERRNOS:
        folder = _state_folder(str(exc.filename))
        if folder is not None:
            return (f"cannot use {exc.filename} ({exc.strerror or exc}): set {folder} to a folder this user "
                    "can create and write")
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"CITEWISE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        return f"invalid setting: {problems}"
    try:
        from app.prompts import PromptError
    except ImportError:  # pragma: no cover - prompts always ship with the app
        return None
    if isinstance(exc, PromptError):
        return f"prompt template problem: {exc}"
    return None


def _state_folder(filename: str) -> str | None:
    """The setting naming the folder `filename` lies in, when it is one of citewise's own folders."""
    from app.settings import get_settings

    try:
        settings = get_settings()
    except Exception:  # noqa: BLE001 - we are already reporting another error
        return None
    target = Path(filename).absolute()
    for setting, folder in (("CITEWISE_MODEL_CACHE_DIR", settings.model_cache_dir),
                            ("CITEWISE_DATA_DIR", settings.data_dir)):
        if folder is not None and target.is_relative_to(Path(folder).absolute()):
            return setting
    return None


def _debug() -> bool:
    """CITEWISE_DEBUG, read through the settings; settings that cannot even load mean no."""
    from app.settings import get_settings

    try:
        return get_settings().debug
    except Exception:  # noqa: BLE001 - we are already reporting another error
        return False


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Run a CLI command: expected errors print one line and exit 2, bugs a short note and exit 70."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            print("interrupted: the index stays consistent; run the same command again to finish.",
                  file=sys.stderr)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("click", "typer")):  # usage errors, exits: click reports them
                raise
            message = user_message(exc)
            if message is None:
                if _debug():
                    raise
                print(f"internal error: {type(exc).__name__}: {exc}\n"
                      "This is a bug in citewise; run again with CITEWISE_DEBUG=1 to see the traceback "
                      "and report it.", file=sys.stderr)
                raise typer.Exit(70) from None
            print(f"error: {message}", file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


def hinting_group(hint: Callable[[str], str | None]) -> type[typer.core.TyperGroup]:
    """A command group whose "No such command 'X'" also says what was probably meant (`hint(X)`)."""

    class Group(typer.core.TyperGroup):
        def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:
            try:
                return super().resolve_command(ctx, args)
            except Exception as exc:  # typer's own click UsageError; its message is what is printed
                suggestion = hint(args[0]) if args and hasattr(exc, "message") else None
                if suggestion is not None:
                    exc.message = f"{exc.message.rstrip('.')}. {suggestion}"
                raise

    return Group
