"""Answers that answer: the row that holds the figure (with its header), refusals when the documents do
not cover the question, verbatim quotes, consecutive citation numbers, follow-ups and saved sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.answerability import asked_part, period_gap, real_names
from app.assistant import Assistant
from app.citations import Citation, number_in_order
from app.cli import cli
from app.conversation import Turn, load_session, rule_rewrite, save_turn
from app.retrieval import Passage
from app.verbatim import quoted_markdown, terminal_text
from app.web.chat_render import answer_html

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

REPORT = """# Annual report of Acme Corporation

## Results of operations

Acme Corporation designs and sells industrial pumps in Europe and Asia. Growth in Asia was driven by new
distributors in Vietnam and by higher demand from water utilities.

## Consolidated statement of income

(in millions)                        2018        2017        2016
Net sales                          32,765      31,657      30,109
Cost of sales                      16,682      16,001      15,118
Net income                          5,349       4,858       5,050

## Leadership

Acme Corporation was founded in 1952 by Margaret Holloway in Leeds. Its chief executive officer is Daniel
Osei, who joined the company in 2011.
"""

ASTRONOMY = """# Planets

## Uranus

Uranus is the seventh planet from the Sun. It has 27 known moons, named after characters of Shakespeare.

## Saturn

Saturn is the sixth planet from the Sun and has a prominent ring system made of ice and rock.
"""


@pytest.fixture
def assistant(offline_assistant) -> Assistant:  # noqa: ANN001
    return offline_assistant({"acme-report.md": REPORT, "planets.md": ASTRONOMY})


def test_how_much_question_quotes_the_row_with_its_header(assistant: Assistant) -> None:
    answer = assistant.ask("What were Acme's net sales in 2018?")
    assert answer.mode == "offline", answer.decision
    first_line = answer.text.splitlines()[0]
    assert "2018" in first_line and "2017" in first_line, "the header line that gives the columns meaning"
    assert "Net sales" in answer.text and "32,765" in answer.text
    assert answer.citations[0].file_name == "acme-report.md"
    assert "Vietnam" not in answer.text.split("[1]")[0], "the topic sentence is not quoted before the figure"


def test_when_and_who_questions_quote_the_sentence_with_a_date_or_a_name(assistant: Assistant) -> None:
    when = assistant.ask("When was Acme Corporation founded?")
    assert "1952" in when.text.split("[")[0]
    who = assistant.ask("Who is the chief executive officer of Acme Corporation?")
    assert "Daniel" in who.text.split("[")[0]


def test_question_about_a_name_the_documents_never_mention_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("How many moons does Neptune have?")
    assert answer.no_answer and answer.mode == "no-answer" and not answer.citations
    assert answer.decision and not answer.decision["answerable"]
    assert "neptune" in answer.decision["reason"]
    assert answer.possibly_related, "the closest passages are listed as possibly related"
    covered = assistant.ask("How many moons does Uranus have?")
    assert not covered.no_answer and "27" in covered.text


def test_question_about_a_year_the_documents_do_not_report_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("What were Acme's net sales in 2022?")
    assert answer.no_answer and "2022" in answer.decision["reason"]


def test_no_answer_reason_is_in_the_cli_json(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import get_settings

    monkeypatch.setenv("CITEWISE_MODERATION", "false")
    get_settings.cache_clear()
    assistant.index.close()
    result = CliRunner().invoke(cli, ["ask", "How many moons does Neptune have?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["no_answer"] and data["decision"]["answerable"] is False and data["decision"]["reason"]
    human = CliRunner().invoke(cli, ["ask", "How many moons does Neptune have?"])
    assert "why:" in human.stdout and "Possibly related" in human.stdout


def test_quoted_text_is_shown_as_written_in_the_chat() -> None:
    text = "Growth was 3.6%* in 2018 and _flat_ in 2017. [1]\n* a line that starts with a star <b>bold</b> [2]"
    html = answer_html(text, {1, 2}, verbatim=True)
    assert "3.6%*" in html and "_flat_" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<em>" not in html and "<li>" not in html and "<ul>" not in html
    assert 'href="#source-1"' in html and 'href="#source-2"' in html
    assert "<em>" in answer_html("an *emphasised* LLM answer [1]", {1}), "LLM answers keep their Markdown"


def test_quoted_markdown_renders_every_markdown_character_literally() -> None:
    from markdown_it import MarkdownIt

    tricky = "# not a heading\n1. not a list\n> not a quote\n`code` | pipe ~~strike~~ [x](http://e.com)"
    rendered = MarkdownIt("commonmark").render(quoted_markdown(tricky))
    for piece in ("# not a heading", "1. not a list", "&gt; not a quote", "`code`", "~~strike~~", "[x](http://e.com)"):
        assert piece in rendered
    assert "<h1>" not in rendered and "<ol>" not in rendered and "<blockquote>" not in rendered


def test_terminal_text_drops_escape_sequences() -> None:
    assert terminal_text("red \x1b[31mALERT\x1b[0m done\x07") == "red ALERT done"


def _citation(n: int) -> Citation:
    passage = Passage.from_dict({"n": n, "passage_id": f"p{n}", "chunk_id": n, "path": f"/d/{n}.md", "text": "t"})
    return Citation(passage, span=(0, 1), supported=True, support=1.0)


def test_citation_numbers_are_consecutive_in_order_of_first_appearance() -> None:
    text, citations = number_in_order("First [3]. Second [4][3]. Third [4].", [_citation(3), _citation(4)])
    assert text == "First [1]. Second [2][1]. Third [2]."
    assert [(c.n, c.file_name) for c in citations] == [(1, "3.md"), (2, "4.md")]


@pytest.mark.parametrize(("previous", "follow_up", "expected"), [
    ("When was Abraham Lincoln born?", "When did he die?", "When did Abraham Lincoln die?"),
    ("When did Abraham Lincoln die?", "What about his wife?", "When did Abraham Lincoln's wife die?"),
    ("What was 3M's total revenue in 2018?", "and in 2017?", "What was 3M's total revenue in 2017?"),
    ("What was Nike's revenue in fiscal 2019?", "what about Adobe?", "What was Adobe's revenue in fiscal 2019?"),
    ("What was Nike's revenue in fiscal 2019?", "what about net income?", "What was Nike's net income in fiscal 2019?"),
    ("How do I install Foobar on Linux?", "and on Windows?", "How do I install Foobar on Windows?"),
])
def test_follow_up_keeps_the_subject_and_changes_only_what_it_asks(
    previous: str, follow_up: str, expected: str
) -> None:
    assert rule_rewrite(follow_up, [Turn(previous, "…")]) == expected


def test_standalone_question_is_not_rewritten() -> None:
    assert rule_rewrite("What is the capital of Mongolia?", [Turn("When was Abraham Lincoln born?", "…")]) is None


@pytest.mark.parametrize(("previous", "question"), [
    ("How do I re-index a folder on Windows?", "What is the zebra project budget in 2018?"),
    ("How do I re-index a folder on Windows?", "Who leads the zebra project?"),
])
def test_a_new_question_in_a_conversation_is_not_tied_to_the_previous_subject(previous: str, question: str) -> None:
    # Asking about something else in the same chat must not drag the last question's subject along
    # (it made every later question "... for Windows?", unanswerable until a new chat).
    assert rule_rewrite(question, [Turn(previous, "…")]) is None


def test_a_fragment_that_names_its_own_year_keeps_it() -> None:
    history = [Turn("What was Nike's revenue in 2019?", "…")]
    assert rule_rewrite("What was the net income?", history) == "What was the net income for Nike in 2019?"
    assert rule_rewrite("What was the net income in 2018?", history) == "What was the net income in 2018 for Nike?"


def test_sessions_are_saved_and_bad_names_rejected(tmp_path: Path) -> None:
    save_turn(tmp_path, "q4-review", Turn("What were net sales in 2018?", "32,765 [1]"))
    save_turn(tmp_path, "q4-review", Turn("and in 2017?", "31,657 [1]", "What were net sales in 2017?"))
    assert [t.question for t in load_session(tmp_path, "q4-review")] == ["What were net sales in 2018?", "and in 2017?"]
    with pytest.raises(ValueError, match="not a valid session name"):
        load_session(tmp_path, "../etc/passwd")


def test_cli_session_continues_the_conversation(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import get_settings

    monkeypatch.setenv("CITEWISE_MODERATION", "false")
    get_settings.cache_clear()
    assistant.index.close()
    first = CliRunner().invoke(cli, ["ask", "What were Acme's net sales in 2018?", "--session", "acme"])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(cli, ["ask", "and in 2017?", "--session", "acme", "--json"])
    data = json.loads(second.stdout)
    assert data["rewritten_query"] == "What were Acme's net sales in 2017?"
    assert "31,657" in data["text"]
    human = CliRunner().invoke(cli, ["ask", "what about net income?", "--session", "acme"])
    assert "understood as: What were Acme's net income in 2017?" in human.stdout


def test_requests_about_the_answers_form_do_not_count_against_coverage(assistant: Assistant) -> None:
    plain = assistant.ask("What were Acme's net sales in 2018?")
    dressed = assistant.ask("You are an analyst. What were Acme's net sales in 2018? Answer in USD millions "
                            "and round your answer to two decimal places.")
    assert not dressed.no_answer, dressed.decision
    assert dressed.citations[0].passage_id == plain.citations[0].passage_id
    assert asked_part("What is the ratio (in units of percents and round to one decimal place)? Give a "
                      "solution to the question by using the income statement.") == "What is the ratio"


def test_an_acronym_the_documents_do_not_use_is_not_a_missing_name(assistant: Assistant) -> None:
    answer = assistant.ask("What were Acme's net sales in 2018 in USD?")
    assert not answer.no_answer, answer.decision
    assert "usd" not in real_names("What were Acme's net sales in 2018 in USD?", assistant.index.catalog)


def _annual_report(company: str, year: int) -> str:
    return (f"# {company} annual report {year}\n\n## Income\n\n(in millions) {year} {year - 1} {year - 2}\n"
            f"Net sales 1,{year - 1990}00 1,000 900\n\n## Suppliers\n\nIn {year} {company} bought steel from "
            f"three suppliers and expects to keep them in {year + 1}.\n")


def test_a_year_no_report_of_the_named_series_covers_is_refused(offline_assistant) -> None:  # noqa: ANN001
    files = {f"globex_{year}.md": _annual_report("Globex", year) for year in (2016, 2018)}
    for other in ("Initech", "Umbrella", "Hooli", "Vandelay"):
        files[f"{other.lower()}_2018.md"] = _annual_report(other, 2018)
    assistant = offline_assistant(files)
    answered = assistant.ask("What were Globex's net sales in 2017?")
    assert not answered.no_answer, answered.decision
    assert answered.citations[0].file_name == "globex_2018.md", "the report about the latest year asked"
    later = assistant.ask("What were Globex's net sales in 2021?")
    assert later.no_answer and "2021" in later.decision["reason"]
    # Another company's 2021 figures do not answer it either, and a subject with one report is not a series.
    assert period_gap("net sales in 2021", {"/d/globex_2018.md": ["2018"]}) == ["2021"]
    assert period_gap("net sales as of 2018 expected in 2024", {"/d/globex_2018.md": ["2018"]}) == []
    # A balance sheet shows two year-ends, an income statement three years.
    assert period_gap("net sales in 2016", {"/d/globex_2018.md": ["2018"]}) == []
    assert period_gap("total current assets at the end of 2016", {"/d/globex_2018.md": ["2018"]}) == ["2016"]
    assert period_gap("total current assets at the end of 2017", {"/d/globex_2018.md": ["2018"]}) == []


def _balance_sheet_report() -> str:
    """A report whose statement table spans several passages, after prose that uses the same words."""
    prose = "\n".join(
        f"Our current assets and liquidity were discussed with the board in meeting {n}, where the assets of "
        f"the company and its current obligations were reviewed against the plan for segment {n}."
        for n in range(1, 9))
    rows = [f"Other receivable class {n}    {100 + n:,}    {90 + n:,}" for n in range(1, 31)]
    rows[12:12] = ["Total current assets    16,525    15,134"]
    rows += ["Property, plant and equipment, net    4,744    4,454", "Total assets    23,717    22,536"]
    return ("# Globex annual report 2019\n\n## Liquidity discussion\n\n" + prose + "\n\n"
            "## Consolidated balance sheets\n\n(in millions)    2019    2018\n" + "\n".join(rows) + "\n")


def test_the_row_that_names_what_is_asked_is_quoted_from_a_long_statement(offline_assistant) -> None:  # noqa: ANN001
    assistant = offline_assistant({"globex_2019.md": _balance_sheet_report()})
    answer = assistant.ask("What were the total current assets of Globex in 2019?")
    assert not answer.no_answer, answer.decision
    first = answer.text.split("[1]")[0]
    assert "Total current assets" in first and "16,525" in first, answer.text
    assert "2019" in first.splitlines()[0], "the header line that gives the row's columns their years"
    assert "meeting" not in first, "the prose that only shares the words is not quoted first"


def test_a_label_the_question_names_fully_matches_best() -> None:
    from app.offline_answerer import label_match

    terms = {"total": 1.0, "current": 2.0, "asset": 1.5, "end": 2.5}
    scores = [label_match(row, terms) for row in
              ("Total current assets 16,525 15,134", "Total assets 23,717 22,536", "Net earnings 10,460 8,458")]
    assert scores[0] > scores[1] > scores[2] == 0.0


def _segment_report() -> str:
    """A report whose segment tables repeat the statement's line item for each region, with other figures."""
    segments = "\n\n".join(
        f"{region} segment (in millions)    2018    2017\nNet sales    {sales}    {before}\n"
        f"Operating income    {income}    {income_before}"
        for region, sales, before, income, income_before in (
            ("Europe", "12,101", "11,870", "2,010", "1,954"), ("Asia", "9,870", "9,310", "1,502", "1,411"),
            ("Americas", "10,794", "10,477", "1,835", "1,790")))
    return ("# Initech annual report 2018\n\n## Results by segment\n\nOur net sales grew in every region.\n\n"
            + segments + "\n\n## Consolidated statement of income\n\n(in millions)    2018    2017\n"
            "Net sales    32,765    31,657\nCost of sales    16,682    16,001\nNet income    5,349    4,858\n")


def test_the_whole_is_quoted_before_the_same_line_of_each_segment(offline_assistant) -> None:  # noqa: ANN001
    assistant = offline_assistant({"initech_2018.md": _segment_report()})
    answer = assistant.ask("What were Initech's net sales in 2018?")
    assert not answer.no_answer, answer.decision
    first = answer.text.split("[1]")[0]
    assert "32,765" in first, answer.text
    assert answer.citations[0].headings[-1] == "Consolidated statement of income"


def test_a_label_in_other_forms_of_the_questions_words_is_a_full_match() -> None:
    from app.offline_answerer import label_match, question_terms

    texts = ["Cash provided by operations    6,657    2,485", "U.S. operations    0.00 %    0.00 %",
             "Initech's stores sold more shoes in 2021.", "Initech's revenue rose in every region in 2021."]
    passages = [Passage.from_dict({"text": t, "context": "Initech annual report 2021", "path": f"p{n}"})
                for n, t in enumerate(texts)]
    terms = question_terms("How much cash did Initech's operations provide in 2021?", passages)
    assert not any(t.startswith("initech") for t in terms), "the possessive names the subject, not a row"
    assert label_match(texts[0], terms) > 0.9, "'provided' is the question's 'provide'"
    assert label_match(texts[0], terms) > 2 * label_match(texts[1], terms)


def _segment_sections_report() -> str:
    """A report whose discussion gives each segment's total in a section of its own, with the statement's
    label and other, smaller figures, before the consolidated statement."""
    segments = "\n\n".join(
        f"## {name} segment results\n\nTotal operating revenues of the {name.lower()} segment grew in 2021, "
        f"and the total operating revenues of the segment are shown below.\n\n"
        f"(in millions)    2021    2020\nTotal operating revenues    {now}    {before}\n"
        f"Segment operating income    {income}    {income_before}"
        for name, now, before, income, income_before in (
            ("Consumer", "95,300", "88,533", "25,000", "24,100"), ("Business", "31,042", "30,962", "2,300", "2,500")))
    rows = "\n".join(f"Other operating expense {n}    {200 + n:,}    {190 + n:,}" for n in range(1, 9))
    return ("# Hooli annual report 2021\n\n" + segments + "\n\n## Consolidated statements of income\n\n"
            "(in millions)    2021    2020\nTotal operating revenues    133,613    128,292\n" + rows + "\n")


def test_the_whole_is_quoted_before_a_segments_total_of_the_same_name(
    offline_assistant, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    import app.offline_answerer as answerer

    assistant = offline_assistant({"hooli_2021.md": _segment_sections_report()})
    question = "What were Hooli's total operating revenues in 2021?"
    answer = assistant.ask(question)
    assert not answer.no_answer, answer.decision
    assert "133,613" in answer.text.split("[1]")[0], answer.text
    assert answer.citations[0].headings[-1] == "Consolidated statements of income"
    monkeypatch.setattr(answerer, "PART_ROW_SHARE", 1.0)  # without the rule a segment's total comes first
    assert "133,613" not in assistant.ask(question).text.split("[1]")[0]


def test_a_segments_row_is_a_part_only_when_it_shares_no_figure_with_the_largest() -> None:
    from app.offline_answerer import _part_rows

    texts = {"Consolidated": "Net revenues    11,763,096    10,797,479",
             "Segment": "Net revenues    2,026,925    1,834,803",
             "Quarters": "Net revenues    2,822,237    2,858,695    3,029,302    3,052,862    11,763,096"}
    passages = [Passage.from_dict({"text": t, "context": "Globex annual report", "path": "globex.pdf",
                                   "headings": [name]}) for name, t in texts.items()]
    assert _part_rows(passages) == {("globex.pdf", "net revenues", 2026925.0)}, \
        "a quarterly table that holds the year's total is the same series, not a part"


def _repeated_row_report() -> str:
    """A report whose summary repeats a row of the income statement with the same figures."""
    rows = "\n".join(f"Operating expense class {n}    {300 + n:,}    {280 + n:,}" for n in range(1, 11))
    return ("# Vandelay annual report 2019\n\n## Five-year summary\n\nThe summary also lists our store count and "
            "headcount, which grew with new openings of stores in Asia and in Latin America.\n\n"
            "(in millions)    2019    2018\n"
            "Net sales    32,765    31,657\nOperating income    7,120    6,480\nNet income    5,349    4,858\n"
            "Total assets    48,200    45,900\nTotal liabilities    30,100    29,400\n"
            "Capital expenditures    1,577    1,373\nEmployees    21,000    20,500\n\n"
            "## Consolidated statements of income\n\n(in millions)    2019    2018\nNet sales    32,765    31,657\n"
            + rows + "\nNet income    5,349    4,858\n")


def test_a_row_repeated_in_a_summary_is_cited_from_the_statement(
    offline_assistant, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    import app.offline_answerer as answerer

    assistant = offline_assistant({"vandelay_2019.md": _repeated_row_report()})
    question = "What was Vandelay's net income in 2019?"
    answer = assistant.ask(question)
    assert not answer.no_answer, answer.decision
    assert "5,349" in answer.text.split("[1]")[0], answer.text
    assert answer.citations[0].headings[-1] == "Consolidated statements of income"
    monkeypatch.setattr(answerer, "FULLEST_TABLE_BONUS", 0.0)  # without it the summary's copy comes first
    assert assistant.ask(question).citations[0].headings[-1] == "Five-year summary"


def test_words_about_where_a_figure_is_reported_do_not_name_a_row() -> None:
    from app.offline_answerer import label_match, question_terms

    texts = ["Dividends paid    (10,445)    (10,232)", "Dividends declared ($2.53 per share)    (10,532)    (10,284)"]
    passages = [Passage.from_dict({"text": t, "context": "Hooli annual report 2021", "path": f"p{n}"})
                for n, t in enumerate(texts)]
    terms = question_terms("How much did Hooli pay in dividends in 2021, per the statement of cash flows?", passages)
    assert "per" not in terms
    assert label_match(texts[0], terms) >= label_match(texts[1], terms)


