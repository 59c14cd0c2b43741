"""The vectors the answer compares (the question and the candidate quotes) are each text's own: the same
whatever else is embedded with them, remembered by text, and never stale when a document changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.sync import SyncOptions, sync

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

DESK = "# Help desk\n\n## Opening hours\n\nThe help desk is open from {hours} on weekdays.\n\n" \
       "## Contact\n\nTickets are answered by the operations team within one working day.\n"


def test_a_texts_vector_does_not_depend_on_what_it_is_embedded_with(embedder) -> None:  # noqa: ANN001
    sentence = "The help desk is open from 9:00 to 17:00 on weekdays."
    embedder.clear_text_cache()
    alone = embedder.embed_texts([sentence])[0]
    embedder.clear_text_cache()
    mixed = embedder.embed_texts(["Short one.", sentence, "A much longer sentence about quarterly reviews, "
                                  "budget requests and the finance team, written to pad a batch.", sentence])
    assert np.array_equal(mixed[1], alone)
    assert np.array_equal(mixed[3], alone)  # a repeat is the same vector
    remembered = embedder.embed_texts([sentence, "Another sentence entirely."])
    assert np.array_equal(remembered[0], alone)
    assert np.linalg.norm(remembered[1]) == pytest.approx(1.0, abs=1e-5)
    assert embedder.embed_texts([]).shape == (0, embedder.dimension)


def test_an_answer_asked_again_is_the_same_and_follows_a_changed_document(
    offline_assistant, index, embedder, tmp_path: Path,  # noqa: ANN001
) -> None:
    assistant = offline_assistant({"desk.md": DESK.format(hours="9:00 to 17:00")})
    question = "When is the help desk open?"
    embedder.clear_text_cache()
    cold = assistant.ask(question)
    warm = assistant.ask(question)  # every vector it needs is remembered now
    assert "9:00 to 17:00" in cold.text
    assert (warm.text, warm.decision, [c.span for c in warm.citations]) == \
        (cold.text, cold.decision, [c.span for c in cold.citations])

    folder = next(tmp_path.glob("docs*"))
    (folder / "desk.md").write_text(DESK.format(hours="8:00 to 16:00"), encoding="utf-8")
    assert not sync(index, embedder, [folder], SyncOptions()).failed
    changed = assistant.ask(question)
    assert "8:00 to 16:00" in changed.text
    assert "9:00" not in changed.text
