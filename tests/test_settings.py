"""Settings: the data dir relocates all state, .env is read, and .env.example documents every field."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from app.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_documents_every_setting_with_its_default() -> None:
    spec = importlib.util.spec_from_file_location("gen_env_example", ROOT / "scripts" / "gen_env_example.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == module.render(), (
        ".env.example is stale: run python scripts/gen_env_example.py"
    )
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"CITEWISE_{name.upper()}=" in text


def test_data_dir_relocates_index_and_logs(data_dir: Path) -> None:
    settings = get_settings()
    assert settings.index_dir.is_relative_to(data_dir)
    assert settings.logs_dir.is_relative_to(data_dir)


def test_dotenv_file_is_read(data_dir: Path, monkeypatch) -> None:  # noqa: ANN001
    (Path.cwd() / ".env").write_text("CITEWISE_TOP_K=9\nOPENAI_BASE_URL=http://localhost:11434/v1\n")
    monkeypatch.delenv("CITEWISE_TOP_K", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.top_k == 9
    assert settings.llm_base_url == "http://localhost:11434/v1"


def test_secrets_are_not_shown_in_the_settings_repr(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    settings = Settings()
    assert "sk-very-secret" not in repr(settings)
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-very-secret"


def test_a_data_folder_that_cannot_be_created_names_the_setting(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from ingest.cli import cli

    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CITEWISE_DATA_DIR", str(tmp_path / "a-file" / "data"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["sync", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert "set CITEWISE_DATA_DIR to a folder this user can create and write" in result.output
    assert "internal error" not in result.output
