"""House rules that can be checked: the README's commands, CI, lint, layering, data."""

import doctest
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import backprop_viz

ROOT = Path(__file__).resolve().parents[1]
LESSON_CSV = ROOT.parent / "shared" / "data" / "binary.csv"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(?:bash|sh)\n(.+?)\n```", text)


def test_readme_gives_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2, commands
    app_cmd, test_cmd = commands
    assert "streamlit run app.py" in app_cmd and "pip install -r requirements.txt" in app_cmd
    assert "pytest" in test_cmd and "chromium" in test_cmd
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmd in ci_lines


def test_core_knows_nothing_of_streamlit():
    core = [p for p in (ROOT / "backprop_viz").rglob("*.py") if "ui" not in p.parts]
    assert len(core) > 10
    for path in core:
        assert not re.search(r"^\s*(import|from)\s+streamlit", path.read_text(), re.M), path


def test_lesson_data_is_not_committed():
    if not LESSON_CSV.exists():
        pytest.skip(f"the lesson's admissions data is not at {LESSON_CSV}")
    digest = hashlib.sha256(LESSON_CSV.read_bytes()).hexdigest()
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() != digest, path


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(command):
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_docstring_example_runs():
    result = doctest.testmod(backprop_viz)
    assert result.attempted >= 3 and result.failed == 0


def test_the_uploader_lets_the_apps_own_size_limit_speak():
    # Files between 5,000,000 bytes and 5 MiB once met the uploader's own refusal, so the
    # app's message (which names its limit) never showed.
    import tomllib

    from backprop_viz.limits import MAX_CSV_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1_000_000 > MAX_CSV_BYTES
