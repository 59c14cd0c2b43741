"""The evaluation commands behind `python -m app eval ...`: retrieval quality, answers, and safety."""
