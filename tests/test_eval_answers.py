"""`app eval answers` scores sources and evidence pages, and can keep its index between runs."""

from __future__ import annotations

import json
from pathlib import Path

from fpdf import FPDF

from app.evals.answers import evaluate_answers, format_answers_report


def _filing(path: Path, company: str, pages: list[str]) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.set_title(f"{company} annual report")
    pdf.output(str(path))


def test_answers_eval_reports_evidence_pages_and_reuses_its_index(settings, tmp_path: Path) -> None:  # noqa: ANN001
    docs = tmp_path / "filings"
    docs.mkdir()
    _filing(docs / "globex.pdf", "Globex", [
        "Globex makes industrial pumps and sells them in forty countries.",
        "Globex employs 1,200 people at its plant in Springfield.",
        "The Globex board meets four times a year to review the budget.",
    ])
    _filing(docs / "initech.pdf", "Initech", [
        "Initech writes accounting software for banks.",
        "Initech opened a new office in Austin with 300 desks.",
    ])
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"question": "How many people does Globex employ at its plant?", "source": "globex.pdf", "pages": [2]},
        {"question": "Where did Initech open a new office?", "source": "initech.pdf", "pages": [2]},
    ]) + "\n", encoding="utf-8")
    index_dir = tmp_path / "kept-index"
    results = evaluate_answers(docs, questions, settings, index_dir=index_dir, holdout_every=2)
    assert results["top_passage_from_expected_source"] == 1.0
    assert results["evidence_page_in_top5"] == 1.0
    assert results["evidence_page_at_retrieval_rank1"] == 1.0
    assert results["first_citation_on_evidence_page"] == 1.0
    assert results["held_out"]["questions"] == 1 and results["tuned"]["questions"] == 1
    assert (index_dir / "index" / "catalog.sqlite3").exists()
    report = format_answers_report(results)
    assert "evidence page in the top 5 passages:     100.0%" in report and "held out (1 questions)" in report

    # A page that does not hold the evidence is scored as a miss, over the index kept from the first run.
    questions.write_text(json.dumps(
        {"question": "How many people does Globex employ at its plant?", "source": "globex.pdf", "pages": [3]}
    ) + "\n", encoding="utf-8")
    again = evaluate_answers(docs, questions, settings, index_dir=index_dir)
    assert again["top_passage_from_expected_source"] == 1.0 and again["first_citation_on_evidence_page"] == 0.0
    assert again["evidence_page_at_retrieval_rank1"] == 0.0
    assert "expected globex.pdf p. [3]" in format_answers_report(again)

    # The misses of a held-out part are counted, not listed: its questions are not read one by one.
    held_out = format_answers_report(evaluate_answers(docs, questions, settings, index_dir=index_dir, holdout_every=1))
    assert "1 misses of the held-out part are not listed" in held_out and "expected globex.pdf" not in held_out


def test_decision_report_lists_only_the_tuned_parts_misses() -> None:
    from app.evals.decisions import format_decision_report

    rows = [{"question": f"What did {name} report for 2021?", "split": split, "refused": False,
             "first_citation": None, "loo_refused": False, "loo_first_citation": "other.pdf p.3", "loo_reason": "ok"}
            for name, split in (("Globex", "tuned"), ("Initech", "held-out"))]
    report = format_decision_report({"splits": {"all": {"questions": 2}}, "rows": rows})
    assert "Globex" in report and "Initech" not in report
    assert "1 misses of the held-out part are not listed" in report
