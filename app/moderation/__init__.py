"""Moderation of questions, answers and documents: see `moderator.Moderator` for the layers."""

from app.moderation.moderator import Moderator
from app.moderation.types import Decision, Finding

__all__ = ["Decision", "Finding", "Moderator"]
