"""Study mode: quizzes from small documents written here, offline and through a local OpenAI-wire server."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from app.cli import cli
from app.quiz.export import CSV_COLUMNS, to_anki_csv, to_markdown
from app.quiz.generate import make_quiz
from app.quiz.keys import answer_kind, same_answer, supported
from app.quiz.model import BLANK, Quiz, QuizCancelled, QuizError, is_correct
from app.services import build_services
from ingest.sync import SyncOptions, sync
from tests.openai_server import Reply

PAGES = [
    "The Harbor Lighthouse Society was founded by Margaret Ellison in 1921 to restore the old beacon. "
    "The society bought the tower from the Coast Guard for 4,500 dollars in 1934. "
    "Its first keeper, Thomas Whitby, kept a logbook of every passing vessel.",
    "The lantern room holds a second-order Fresnel lens made by Henri Lepaute in Paris. "
    "The lens weighs 1,800 kilograms and turns once every 20 seconds. "
    "Visitors can climb the 112 steps of the spiral staircase on summer weekends.",
    "In 1962 the society replaced the kerosene lamp with an electric bulb of 1,000 watts. "
    "The new light can be seen from 24 nautical miles away in clear weather. "
    "The engineer Walter Brandt designed the rotating mechanism that still works today.",
    "The annual budget of the society reached 86,000 dollars in 2019, mostly from membership fees. "
    "Membership grew to 2,300 households after the restoration campaign of 2008. "
    "The treasurer, Alice Moreno, publishes the accounts every spring.",
    "A storm in 1978 broke three windows of the keeper's cottage and flooded the cellar. "
    "The repairs cost 12,000 dollars and took 9 months to finish. "
    "Volunteers from Port Hollis rebuilt the seawall with granite from a nearby quarry.",
    "The museum on the ground floor shows 350 photographs of shipwrecks along the coast. "
    "Its oldest photograph shows the schooner Mary Dunmore aground in 1887. "
    "School classes from Port Hollis visit the museum free of charge on Tuesdays.",
]


def _pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


@pytest.fixture
def quiz_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    _pdf(folder / "lighthouse.pdf", PAGES)
    (folder / "stub.txt").write_text("Short.\n", encoding="utf-8")
    (folder / "bulletin.txt").write_text(  # shares one sentence with the report, word for word
        "Harbor bulletin\n\nThe Harbor Lighthouse Society was founded by Margaret Ellison in 1921 to restore the "
        "old beacon.\n\nThe bulletin is printed by Harbor Press in Port Hollis four times a year for every member.\n",
        encoding="utf-8")
    return folder


@pytest.fixture
def services(settings, embedder, quiz_docs, monkeypatch):  # noqa: ANN001, ANN201
    run = settings.model_copy(update={"moderation": False})
    services = build_services(run)
    report = sync(services.index, embedder, [quiz_docs], SyncOptions(collection="harbor"))
    assert not report.failed
    yield services
    services.index.close()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_mcq_questions_are_spread_over_pages_and_cited(services) -> None:  # noqa: ANN001
    quiz = make_quiz(services, "lighthouse.pdf", n=6, kind="mcq")
    assert quiz.generator == "offline" and len(quiz.items) == 6
    pages = {item.source.page for item in quiz.items}
    assert len(pages) >= 5, f"questions should come from many pages, got pages {sorted(pages)}"
    for item in quiz.items:
        assert item.source.file_name == "lighthouse.pdf"
        assert supported(item.answer, item.source.quote), item
        assert item.source.quote in item.source.text
        assert item.answer in item.choices and len(item.choices) == 4
        assert len(item.distractors) == 3
        for wrong in item.distractors:
            assert not same_answer(wrong, item.answer)
            assert answer_kind(wrong) == item.answer_kind, (wrong, item.answer)
        assert is_correct(item, item.answer) and not is_correct(item, item.distractors[0])
    questions = [item.question for item in quiz.items]
    assert len(set(questions)) == len(questions)


def test_cloze_blank_hides_the_answer(services) -> None:  # noqa: ANN001
    quiz = make_quiz(services, "lighthouse", n=8, kind="cloze")
    assert len(quiz.items) >= 6
    for item in quiz.items:
        assert item.question.count(BLANK) == 1
        filled = item.question.replace(BLANK, item.answer)
        assert filled == " ".join(item.source.quote.split())
        assert not supported(item.answer, item.question.replace(BLANK, " "))


def test_short_questions_ask_without_giving_the_answer(services) -> None:  # noqa: ANN001
    quiz = make_quiz(services, "harbor", n=5, kind="short")  # a collection name
    assert quiz.subject == "harbor" and len(quiz.items) == 5
    assert {item.source.file_name for item in quiz.items} == {"lighthouse.pdf", "bulletin.txt"}
    for item in quiz.items:
        assert item.question.endswith("?") and BLANK not in item.question
        assert not supported(item.answer, item.question)
        assert _words(item.question) - _words(item.answer) <= _words(item.source.quote) | {
            "what", "which", "how", "much", "many", "year", "number", "percentage", "date", "month"}


def test_a_sentence_other_documents_hold_word_for_word_is_not_asked(services) -> None:  # noqa: ANN001
    quiz = make_quiz(services, "lighthouse.pdf", n=18, kind="cloze")
    assert len(quiz.items) >= 10
    assert all("Margaret Ellison" not in item.source.quote for item in quiz.items)
    assert any(item.source.page == 1 for item in quiz.items), "the page's other sentences are still asked"


def test_unknown_subject_and_nothing_to_ask_are_clear_errors(services) -> None:  # noqa: ANN001
    with pytest.raises(QuizError, match="no indexed document or collection matches 'atlas'.*ingest list"):
        make_quiz(services, "atlas")
    with pytest.raises(QuizError, match="nothing to quiz on in stub.txt"):
        make_quiz(services, "stub.txt")
    with pytest.raises(QuizError, match="unknown kind"):
        make_quiz(services, "lighthouse.pdf", kind="essay")  # type: ignore[arg-type]


def test_cli_prints_questions_and_answer_key_and_fails_on_bad_input(services, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from app.settings import get_settings

    monkeypatch.setenv("CITEWISE_MODERATION", "false")
    get_settings.cache_clear()
    md, anki = tmp_path / "quiz.md", tmp_path / "quiz.csv"
    result = CliRunner().invoke(cli, ["quiz", "lighthouse.pdf", "--n", "4", "--markdown", str(md),
                                      "--anki", str(anki)])
    assert result.exit_code == 0, result.output
    assert "Answer key" in result.stdout and "lighthouse.pdf, page" in result.stdout
    assert md.read_text(encoding="utf-8").count("lighthouse.pdf, page") == 4
    assert len(list(csv.DictReader(anki.open(encoding="utf-8")))) == 4
    as_json = CliRunner().invoke(cli, ["quiz", "lighthouse.pdf", "--n", "3", "--kind", "cloze", "--json"])
    data = json.loads(as_json.stdout)
    assert data["kind"] == "cloze" and len(data["items"]) == 3
    assert all(item["source"]["quote"] and item["source"]["page"] for item in data["items"])
    unknown = CliRunner().invoke(cli, ["quiz", "atlas.pdf"])
    assert unknown.exit_code == 2 and "no indexed document" in unknown.stderr
    bad_kind = CliRunner().invoke(cli, ["quiz", "lighthouse.pdf", "--kind", "essay"])
    assert bad_kind.exit_code == 2 and "--kind" in bad_kind.stderr


def test_exports_parse(services) -> None:  # noqa: ANN001
    quiz = make_quiz(services, "lighthouse.pdf", n=5, kind="mcq")
    rows = list(csv.reader(io.StringIO(to_anki_csv(quiz))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 6
    for row, item in zip(rows[1:], quiz.items, strict=True):
        assert len(row) == 3
        assert row[0].startswith(item.question.split(BLANK)[0].replace("'", "&#x27;")) and "<br>A. " in row[0]
        assert item.answer in row[1] and row[2].startswith("lighthouse.pdf, page ")
    markdown = to_markdown(quiz)
    questions, key = markdown.split("## Answer key")
    assert questions.count("\n   - ") == 20  # four choices for each of five questions
    entries = re.findall(r"^(\d+)\. \*\*(.+?)\*\* \((.+?)\)\n   > (.+)$", key, re.MULTILINE)
    assert [int(e[0]) for e in entries] == [1, 2, 3, 4, 5]
    for (_, answer, where, quote), item in zip(entries, quiz.items, strict=True):
        assert answer.endswith(item.answer) and f"page {item.source.page}" in where
        assert quote.replace("\\", "") == " ".join(item.source.quote.split())


# --- through a language model (a local server speaking the OpenAI wire protocol) --------------------


def _llm_services(services, server):  # noqa: ANN001, ANN202
    settings = services.settings.model_copy(update={
        "llm_base_url": server.base_url, "llm_model": "test-model", "llm_timeout_s": 2.0, "llm_max_retries": 0})
    return build_services(settings)


class PassageServer:
    """Replies to each quiz request with items built from the passages it was sent."""

    def __init__(self, bad_quote: bool = False) -> None:
        self.bad_quote = bad_quote

    def reply(self, body: dict) -> Reply:
        prompt = body["messages"][-1]["content"]
        passages = re.findall(r'<quote n="(\d+)" trust="untrusted">\n(.*?)\n</quote>', prompt, re.DOTALL)
        items = []
        for number, text in passages:
            sentence = " ".join(text.split()).split(". ")[0] + "."
            year = re.search(r"\b(1[89]\d\d|20\d\d)\b", sentence)
            if not year:
                continue
            quote = sentence if not self.bad_quote or items else "The lighthouse was painted red in 1999."
            items.append({"passage": int(number), "question": quote.replace(year[0], "_____"),
                          "answer": year[0], "quote": quote, "page": None,
                          "distractors": ["1850", "1905", year[0]]})
        return Reply(json.dumps({"items": items}))


def test_llm_items_are_kept_when_they_match_their_passage(services, server) -> None:  # noqa: ANN001
    replies = PassageServer()
    server.next_reply = replies.reply  # type: ignore[method-assign]
    quiz = make_quiz(_llm_services(services, server), "lighthouse.pdf", n=6, kind="mcq")
    assert quiz.generator == "llm" and quiz.dropped == 0 and quiz.items
    assert server.requests[0]["body"].get("response_format", {}).get("type") == "json_schema"
    for item in quiz.items:
        assert supported(item.answer, item.source.quote) and item.source.quote in item.source.text
        assert len(item.distractors) == 3 and all(not same_answer(d, item.answer) for d in item.distractors)
        assert BLANK in item.question


def test_llm_item_whose_quote_is_not_in_the_passage_is_dropped_and_counted(services, server) -> None:  # noqa: ANN001
    server.next_reply = PassageServer(bad_quote=True).reply  # type: ignore[method-assign]
    quiz = make_quiz(_llm_services(services, server), "lighthouse.pdf", n=6, kind="cloze")
    assert quiz.generator == "llm" and quiz.dropped >= 1
    assert all("painted red" not in item.source.quote for item in quiz.items)
    assert any("left out" in note for note in quiz.notes)


def test_llm_server_error_falls_back_to_offline_with_a_note(services, server) -> None:  # noqa: ANN001
    server.script += [Reply(status=500)] * 5
    quiz: Quiz = make_quiz(_llm_services(services, server), "lighthouse.pdf", n=4, kind="mcq")
    assert quiz.generator == "offline" and len(quiz.items) == 4
    assert any("could not write this quiz" in note and "HTTP 500" in note for note in quiz.notes)


def test_a_sentence_another_report_repeats_with_other_figures_is_asked_last(settings, embedder, tmp_path) -> None:  # noqa: ANN001
    # Two yearly reports share one sentence template with other figures: blanked, that sentence does not
    # say which report it is about, so a quiz asks the report's own sentences first.
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "ferries_2021.txt").write_text(
        "The ferry company carried 1,250,000 passengers in 2021 across all of its routes and seasons.\n\n"
        "A new terminal opened in Port Hollis in March 2021 after two years of building work.\n\n"
        "Captain Rosa Delgado was named head of the fleet after the retirement of Ben Carter.\n", encoding="utf-8")
    (folder / "ferries_2022.txt").write_text(
        "The ferry company carried 1,410,000 passengers in 2022 across all of its routes and seasons.\n\n"
        "A night service to Gull Island started in June 2022 with two sailings each evening.\n\n"
        "The board chose Linda Okafor as chief financial officer after a long search abroad.\n\n"
        "Fuel costs rose by 18% during the year because the price of diesel doubled in the summer.\n",
        encoding="utf-8")
    services = build_services(settings.model_copy(update={"moderation": False}))
    try:
        assert not sync(services.index, embedder, [folder], SyncOptions()).failed
        for kind in ("cloze", "short"):
            quiz = make_quiz(services, "ferries_2022.txt", n=3, kind=kind)
            assert len(quiz.items) == 3
            assert not any("passengers" in item.source.quote for item in quiz.items)
        # with nothing else left to ask, the shared sentence is asked after all
        quiz = make_quiz(services, "ferries_2022.txt", n=4, kind="cloze")
        assert any("passengers" in item.source.quote for item in quiz.items)
    finally:
        services.index.close()


def test_a_collection_quiz_asks_each_sentence_once(services, embedder) -> None:  # noqa: ANN001
    # The bundled samples: three documents of one collection. The round that fills the quiz up from the
    # documents with more to ask must not ask a sentence again with another word blanked.
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    assert not sync(services.index, embedder, [sample], SyncOptions(collection="sample")).failed
    for kind in ("short", "cloze"):
        quiz = make_quiz(services, "sample", n=10, kind=kind)
        sources = [(item.source.passage_id, item.source.start) for item in quiz.items]
        assert len(sources) >= 5 and len(sources) == len(set(sources)), [i.question for i in quiz.items]


def test_an_llm_quiz_the_reader_left_stops_before_its_next_request(services, server) -> None:  # noqa: ANN001
    server.next_reply = PassageServer().reply  # type: ignore[method-assign]
    with pytest.raises(QuizCancelled):
        make_quiz(_llm_services(services, server), "lighthouse.pdf", n=12, kind="cloze",
                  should_stop=lambda: len(server.requests) >= 1)  # the reader left during the first request
    assert len(server.requests) == 1
