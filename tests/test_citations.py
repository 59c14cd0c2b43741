"""Citation checking: dangling markers dropped, every cited sentence verified, highlight spans exact."""

from __future__ import annotations

import pytest

from app.citations import check_answer, drop_dangling_markers, split_claims
from app.index import ChunkHit
from app.retrieval import Passage


def passage(n: int, text: str, path: str = "/docs/guide.md", page: int | None = None) -> Passage:
    chunk = ChunkHit(chunk_id=n, passage_id=f"p{n}", path=path, collection="default", file_type="markdown",
                     title="Guide", page=page, headings=["Guide", "Backups"], char_start=0, char_end=len(text),
                     text=text, context="Guide > Backups", token_count=20, flags=[])
    return Passage(chunk, score=1.0, dense_score=0.8, keyword_score=1.0, n=n)


P1 = passage(1, "Backups run every night at 02:00. Each backup is kept for thirty days. Restores take an hour.")
P2 = passage(2, "The admin console lives at /console and needs the admin password.", "/docs/faq.html", page=3)


def test_markers_to_unknown_passages_are_removed() -> None:
    assert drop_dangling_markers("Backups run nightly [1][7]. See the console [2, 9].", {1, 2}) == (
        "Backups run nightly [1]. See the console [2]."
    )
    assert drop_dangling_markers("Made up [5].", {1}) == "Made up."


def test_markers_after_the_full_stop_belong_to_the_sentence() -> None:
    claims = split_claims("Backups run every night. [1] The console needs a password [2].")
    assert claims == [("Backups run every night.", [1]), ("The console needs a password.", [2])]


def test_supported_claims_carry_the_span_of_their_best_sentence() -> None:
    checked = check_answer("Each backup is kept for thirty days [1]. The console needs the admin password [2].",
                           [P1, P2])
    assert checked.unverified == []
    first, second = checked.citations
    assert first.text[first.span[0]:first.span[1]] == "Each backup is kept for thirty days."
    assert second.page == 3 and second.file_name == "faq.html" and second.supported


def test_a_claim_its_passage_does_not_support_is_flagged() -> None:
    checked = check_answer("Backups are encrypted with AES before upload to the cloud [1].", [P1, P2])
    assert checked.unverified == ["Backups are encrypted with AES before upload to the cloud."]
    assert not checked.citations[0].supported


def test_semantic_support_with_the_embedder(embedder) -> None:  # noqa: ANN001
    paraphrase = "Backups are made each night at 2 am [1]."
    lexical_only = check_answer(paraphrase, [P1])
    with_meaning = check_answer(paraphrase, [P1], embedder.embed_array)
    assert with_meaning.citations[0].supported
    assert with_meaning.citations[0].support >= lexical_only.citations[0].support
    span = with_meaning.citations[0].span
    assert P1.text[span[0]:span[1]] == "Backups run every night at 02:00."


# --- contradictions that share the passage's words (issue 12.6) ------------------------------------------
PUMP = passage(3, "The tension in the main cable is 40 newtons. The cable is replaced every five years. "
                  "All pumps are inspected before the season starts.", "/docs/pump.md")


@pytest.mark.parametrize("claim", [
    "The tension in the main cable is 400 newtons [3].",
    "The tension in the main cable is not 40 newtons [3].",
    "The tension in the main cable isn't 40 newtons [3].",
    "The tension in the main cable is 40 kilograms [3].",
    "The cable is replaced every fifty years [3].",
    "The cable is never replaced [3].",
    "Only some pumps are inspected before the season starts [3].",
    "Pumps are rarely inspected before the season starts [3].",
    "No pumps are inspected before the season starts [3].",
])
def test_a_claim_that_contradicts_its_passage_is_not_supported(claim: str, embedder) -> None:  # noqa: ANN001
    for embed in (None, embedder.embed_array):
        checked = check_answer(claim, [PUMP], embed)
        assert checked.unverified == [claim.replace(" [3]", "")], (claim, embed)
        assert not checked.citations[0].supported


def test_backups_that_never_run_are_not_supported_by_nightly_backups(embedder) -> None:  # noqa: ANN001
    claim = "Backups never run and are deleted after 30 days [1]."
    for embed in (None, embedder.embed_array):
        assert check_answer(claim, [P1], embed).unverified == ["Backups never run and are deleted after 30 days."]


@pytest.mark.parametrize("claim", [
    "The tension in the main cable is 40 N [3].",
    "The main cable has a tension of forty newtons [3].",
    "Every pump is inspected before the season starts [3].",
    "The cable is replaced every 5 years [3].",
])
def test_paraphrases_with_the_same_facts_stay_supported(claim: str, embedder) -> None:  # noqa: ANN001
    checked = check_answer(claim, [PUMP], embedder.embed_array)
    assert checked.unverified == [] and checked.citations[0].supported, claim
