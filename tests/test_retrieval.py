"""Hybrid retrieval over a real index: both signals, filters, diversity, duplicates, the relevance floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.retrieval import Filters, Retriever, fuse
from ingest.sync import SyncOptions, sync


@pytest.fixture
def retriever(settings, index, embedder, docs: Path) -> Retriever:  # noqa: ANN001
    sync(index, embedder, [docs], SyncOptions(collection="handbook"))
    extra = docs.parent / "extra"
    extra.mkdir()
    (extra / "backups.md").write_text(
        "# Backups\n\n" + "\n\n".join(
            f"## Site {i}\n\nBackups of site {i} run every night and are kept for {i + 7} days on tape."
            for i in range(8)
        ), encoding="utf-8")
    (extra / "backups-copy.md").write_text(
        "# Backups\n\n## Site 0\n\nBackups of site 0 run every night and are kept for 7 days on tape.\n",
        encoding="utf-8")
    (extra / "vault.txt").write_text("Backup tapes leave the building every Friday for the vault.\n")
    sync(index, embedder, [extra], SyncOptions(collection="ops"))
    return Retriever(index, embedder, settings)


def test_dense_finds_a_paraphrase_and_keyword_an_exact_name(retriever: Retriever) -> None:
    dense = retriever.search("How much RAM is required?", mode="dense")
    assert "2 GB of memory" in dense.passages[0].text
    keyword = retriever.search("setup.exe", mode="keyword")
    assert "setup.exe" in keyword.passages[0].text
    hybrid = retriever.search("How much RAM does Foobar need?")
    assert "2 GB of memory" in hybrid.passages[0].text


def test_ranking_keeps_both_lists_and_the_fused_scores(retriever: Retriever) -> None:
    ranking = retriever.rank("help desk weekdays", "hybrid")
    assert ranking.dense and ranking.keyword and ranking.fused
    top = ranking.fused[0][0]
    assert top in dict(ranking.dense) and top in dict(ranking.keyword)
    result = retriever.search("help desk weekdays")
    first = result.passages[0]
    assert first.dense_score is not None and first.keyword_score is not None and first.file_name == "page.html"


def test_filters_by_collection_path_and_type(retriever: Retriever) -> None:
    ops = retriever.search("When do backups run?", filters=Filters(collection="ops"))
    assert ops.passages and {p.collection for p in ops.passages} == {"ops"}
    text_only = retriever.search("When do backup tapes leave?", filters=Filters(file_type="text"))
    assert {p.file_type for p in text_only.passages} == {"text"}
    by_glob = retriever.search("help desk", filters=Filters(path_glob="*.html"))
    assert by_glob.passages and all(p.path.endswith(".html") for p in by_glob.passages)


def test_one_long_document_cannot_fill_every_slot(retriever: Retriever) -> None:
    result = retriever.search("How long are backups kept on tape?", k=6)
    per_file: dict[str, int] = {}
    for p in result.passages:
        per_file[p.file_name] = per_file.get(p.file_name, 0) + 1
    assert per_file.get("backups.md", 0) <= 3
    assert "vault.txt" in per_file


def test_near_duplicate_passages_are_collapsed(retriever: Retriever) -> None:
    result = retriever.search("backups of site 0 kept 7 days", k=6)
    texts = [p.text for p in result.passages]
    assert sum("site 0 run every night" in t for t in texts) == 1


def test_unrelated_question_gets_no_passages_but_possibly_related(retriever: Retriever) -> None:
    result = retriever.search("What is the boiling point of mercury?")
    assert result.no_answer and result.passages == []
    assert result.possibly_related


def test_fusion_functions_order_by_combined_evidence() -> None:
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.4)]
    keyword = [("c", 12.0), ("b", 6.0)]
    fused = dict(fuse(dense, keyword))
    assert fused["b"] > 0 and fused["c"] > fused["b"]
