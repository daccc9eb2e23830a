"""What a shared workshop server must never do, checked in the files that could do it."""

import pathlib
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
UI_FILES = [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py")]


def test_no_page_renders_raw_html():
    """Markdown never carries HTML, and the one module that hands the browser HTML of its own
    (two stylesheets, the anchors of the phone's links, a scroll to the lesson's top, the learner's
    cookie) formats nothing into it but a number and a learner id it has checked."""
    for path in UI_FILES:
        text = path.read_text()
        assert "unsafe_allow_html" not in text, path.name
        assert "st.html" not in text or path.name == "layout.py", path.name
    layout = (ROOT / "ui" / "layout.py").read_text()
    assert layout.count("st.html(") == 5 and layout.count("st.html(f") == 2
    assert "{int(section)}" in layout
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


def _zip_of_pngs(names: list[str], extra: dict[str, bytes] | None = None) -> bytes:
    import io
    import zipfile

    from PIL import Image

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number, name in enumerate(names):
            picture = io.BytesIO()
            Image.new("RGB", (40, 40), (number * 7 % 256, 90, 200)).save(picture, "PNG")
            archive.writestr(name, picture.getvalue())
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_uploads_class_folders_never_show_as_links():
    """Issue 26: class folders named like addresses became live links in the upload's
    notice. The notices are checked as a browser's Markdown would read them."""
    from streamlit.testing.v1 import AppTest
    from test_links import autolinks

    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/data.py").run()
    classes = ("www.example.org", "me@example.org", "http:x.org")
    photos = [f"{name}/{n}.png" for name in classes for n in range(5)]
    at.get("file_uploader")[0].upload("pets.zip", _zip_of_pngs(
        photos, {"www.example.org/see www.example.org.txt": b"not a photo"}),
        "application/zip")
    at.run()
    assert not at.exception and not at.error
    [message] = [notice.value for notice in at.success]
    assert "15 images in 3 classes" in message and "1 files skipped" in message
    for markdown in [message, *(caption.value for caption in at.caption)]:
        assert autolinks(markdown) == [], markdown
    at.get("file_uploader")[0].clear()
    at.get("file_uploader")[0].upload("few.zip", _zip_of_pngs(
        [*photos[5:10], "www.example.org/1.png"]), "application/zip")
    at.run()
    [error] = [notice.value for notice in at.error]
    assert "has only 1 image" in error and autolinks(error) == [], error


def test_an_uploads_name_never_reads_as_an_address():
    """The name is kept to letters, digits, spaces and -_(),+ before ".zip"; a name ending
    in www made www.zip, which Markdown links wherever the name is shown (the run's caption,
    the projector's headline)."""
    from test_links import autolinks

    from fitlab.uploads import shown_name

    for filename in ("www.zip", "my WWW.zip", "x_www.zip", "www.example.org.zip",
                     "http://x.org/a.zip", "me@example.org.zip", "photos.zip"):
        name = shown_name(filename)
        assert name.endswith(".zip") and autolinks(f"Run #1 · 500 images of {name}") == [], name
