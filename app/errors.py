"""Errors a person can act on, and the one place that turns them into messages instead of tracebacks."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

P = ParamSpec("P")
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
