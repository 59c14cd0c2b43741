"""The no-answer decision checks what the question asks for: instructions, a definition, a name the
and accepts another spelling of a word the documents use."""

from __future__ import annotations

import pytest

from app.assistant import Assistant

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

ABSTRACT = """# Killing of bacteria by antibiotics in a python gut model

Bactericidal antibiotics kill bacteria by modulating their targets. We studied the process in the gut of
the Burmese python, whose digestion of a large meal changes its intestinal flora within days. Killing was
independent of reactive oxygen species. Chemoprophylaxis with chloroquine lowered parasite counts in the
snakes, and retinal damage was not observed after a year of weekly doses.
"""

GUIDE = """# Job runner user guide

## Stopping a job

To stop a running job, run `jobrunner stop JOB-ID`. You can see the ids of your jobs with `jobrunner list`.

## Glossary

A worker is a program that takes jobs from the queue and runs them one at a time.
"""


@pytest.fixture
def assistant(offline_assistant) -> Assistant:  # noqa: ANN001
    return offline_assistant({"abstract.md": ABSTRACT, "guide.md": GUIDE})


def test_how_to_question_is_refused_when_the_text_only_shares_its_words(assistant: Assistant) -> None:
    answer = assistant.ask("How can I kill a Python process on my laptop?")
    assert answer.no_answer and not answer.citations, answer.decision
    assert answer.decision and not answer.decision["answerable"]
    assert answer.possibly_related, "the closest passages are still listed"


def test_how_to_question_is_answered_from_instructions(assistant: Assistant) -> None:
    answer = assistant.ask("How do I stop a running job?")
    assert not answer.no_answer, answer.decision
    assert "jobrunner stop" in answer.text and answer.citations[0].file_name == "guide.md"


def test_definition_is_answered_only_where_the_word_is_defined(assistant: Assistant) -> None:
    defined = assistant.ask("What is a worker?")
    assert not defined.no_answer, defined.decision
    assert "takes jobs from the queue" in defined.text
    undefined = assistant.ask("What is an execution?")
    assert undefined.no_answer, undefined.decision


def test_a_statement_in_other_spellings_of_the_documents_words_is_answered(assistant: Assistant) -> None:
    answer = assistant.ask("Chemoprophylactic chloroquine caused no retina damage in pythons after a year of "
                           "weekly doses.")
    assert not answer.no_answer, answer.decision
    assert answer.citations[0].file_name == "abstract.md"
