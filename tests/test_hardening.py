"""What a shared workshop server must never do, checked in the files that could do it."""

import pathlib
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
UI_FILES = [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py")]


def test_no_page_renders_raw_html():
    """Markdown never carries HTML, and the one module that hands the browser HTML of its own
    (a stylesheet, a scroll to the lesson's top, the learner's cookie) formats nothing into
    it but a number and a learner id it has checked."""
    for path in UI_FILES:
        text = path.read_text()
        assert "unsafe_allow_html" not in text, path.name
        assert "st.html" not in text or path.name == "layout.py", path.name
    layout = (ROOT / "ui" / "layout.py").read_text()
    assert layout.count("st.html(") == 3 and "{int(section)}" in layout
    from ui import layout

    for forged in ('"; document.location = "https://example.org', "A" * 32, "a" * 31, ""):
        with pytest.raises(ValueError):
            layout.remember_learner(forged)


def test_the_server_config_hides_tracebacks_and_keeps_uploads_small():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["maxUploadSize"] <= 20


def test_the_engine_knows_nothing_of_streamlit():
    for path in (ROOT / "fitlab").glob("*.py"):
        lines = path.read_text().splitlines()
        assert not any(line.lstrip().startswith(("import streamlit", "from streamlit"))
                       for line in lines), path.name
