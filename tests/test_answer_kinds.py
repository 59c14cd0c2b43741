"""Each kind of question gets the kind of quote that answers it: a reason or a yes/no question the sentence
that says it, a defined computation the rows of its parts, and a question about a year or an expectation
only the text of that year (a later report's columns or forecasts do not answer it)."""

from __future__ import annotations

import pytest

from app.answerability import period_gap, same_word
from app.assistant import Assistant
from app.offline_answerer import asks_for_prose, defined_parts

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

REPORT = """# Initrode annual report 2019

## Results of operations

Initrode builds conveyor systems for airports and parcel hubs. The increase in Initrode's net sales in 2019
made it the largest year of net sales in the company's history. Net sales increased 6% in 2019, driven by
higher demand from parcel hubs in Germany and by price increases on spare parts. Inventories grew because
we stocked motors ahead of the new assembly line in Porto. The board met eleven times during the year.
Initrode paid a dividend of $0.40 per share to its common shareholders in 2019.

## Consolidated statement of income

(in millions)                        2019        2018
Net sales                          12,480      11,774
Cost of sales                       8,105       7,690
Dividends paid                        210         195
Net income                          1,302       1,150

## Key figures

(in millions, except ratios)         2019        2018
Current ratio                        2.00        1.95
Return on assets                     8.7%        8.2%

## Consolidated balance sheets

(in millions)                        2019        2018
Cash and equivalents                1,950       1,702
Inventories                         2,438       2,320
Total current assets                6,210       5,840
Accounts payable                    1,174       1,087
Total current liabilities           3,105       2,990
Total assets                       14,920      14,100
"""


@pytest.fixture
def assistant(offline_assistant) -> Assistant:  # noqa: ANN001
    return offline_assistant({"initrode-2019.md": REPORT})


def _first_quote(text: str) -> str:
    return text.split("[1]")[0]


def test_a_question_asking_what_drove_a_change_is_answered_with_the_sentence_giving_the_reason(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("What drove the increase in Initrode's net sales in 2019?")
    assert not answer.no_answer, answer.decision
    first = _first_quote(answer.text)
    assert "driven by higher demand from parcel hubs" in first, answer.text
    assert "12,480" not in first, "a row of figures does not say why"


def test_a_yes_no_question_is_answered_with_the_sentence_not_a_table_row(assistant: Assistant) -> None:
    answer = assistant.ask("Has Initrode paid dividends to common shareholders in 2019?")
    assert not answer.no_answer, answer.decision
    assert "paid a dividend of $0.40 per share" in _first_quote(answer.text), answer.text
    assert asks_for_prose("Is the company a capital intensive business based on FY2022 data?")
    assert asks_for_prose("What are the geographies the company primarily operates in?")
    assert not asks_for_prose("What were the net sales of Initrode in 2019?")


def test_a_defined_computation_quotes_the_row_of_each_part_first_part_first(assistant: Assistant) -> None:
    question = ("What is Initrode's FY2019 current ratio? Current ratio is defined as: total current assets / "
                "total current liabilities. Round your answer to two decimal places.")
    assert defined_parts(question) == ["total current assets", "total current liabilities"]
    answer = assistant.ask(question)
    assert not answer.no_answer, answer.decision
    assets = answer.text.find("Total current assets")
    liabilities = answer.text.find("Total current liabilities")
    assert 0 <= assets < liabilities, answer.text
    assert "6,210" in answer.text and "3,105" in answer.text


def test_a_year_the_quoted_rows_have_no_column_for_is_refused(offline_assistant) -> None:  # noqa: ANN001
    # The report mentions 2017, but its statements' columns are 2019 and 2018.
    doc = REPORT.replace("The board met eleven times during the year.", "The board met eleven times in 2017.")
    assistant = offline_assistant({"initrode-2019.md": doc})
    answered = assistant.ask("What were Initrode's net sales in 2018?")
    assert not answered.no_answer and "11,774" in answered.text, answered.decision
    refused = assistant.ask("What were Initrode's net sales in 2017?")
    assert refused.no_answer, refused.text
    assert "2017" in refused.decision["reason"]


def test_expectations_are_read_only_in_the_report_written_then() -> None:
    reports = {"/d/globex_2018.md": ["2018"], "/d/globex_2020.md": ["2020"]}
    # As of 2019: the 2020 report holds 2019's figures as comparatives, not what was expected in 2019.
    assert period_gap("As of FY2019, how much did Globex expect to pay its retirees in 2022?", reports) == ["2019"]
    assert period_gap("As of FY2018, how much did Globex expect to pay its retirees in 2022?", reports) == []
    # A forecast for the year after a report is in that report; not in one written years before.
    assert period_gap("What production rate changes is Globex forecasting for FY2021?", reports) == []
    assert period_gap("What production rate changes is Globex forecasting for FY2023?", reports) == ["2023"]
    # A line item named "expected ..." is not an expectation.
    assert period_gap("What was the expected return on plan assets in 2019?", reports) == []


def test_a_short_acronym_is_not_the_stem_of_a_longer_one() -> None:
    assert not same_word("ebit", "ebitdar")
    assert same_word("retina", "retinal") and same_word("orfs", "orf")


def test_the_llm_reads_first_the_passage_the_offline_answer_would_quote_first(offline_assistant) -> None:  # noqa: ANN001
    from tests.fakes import FakeChatModel

    offline = offline_assistant({"initrode-2019.md": REPORT})
    llm = FakeChatModel("The dividend was $0.40 per share [1].")
    with_llm = Assistant(offline.settings, offline.index, offline.embedder, offline.prompts, llm=llm)
    question = "Has Initrode paid dividends to common shareholders in 2019?"
    quoted_first = offline.ask(question).text.split("[1]")[0].strip()
    with_llm.ask(question)
    _, user = llm.history[0]
    first_passage = user.content.split('<quote n="1"', 1)[1].split("</quote>", 1)[0]
    assert quoted_first in " ".join(first_passage.split()), (quoted_first, first_passage)
