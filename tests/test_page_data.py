"""The Look at the data page under AppTest: a data set described, and uploads of photos.

Uploads go through AppTest's own file uploader; the zips hold real PNG files.
"""

import io
import re
import time
import zipfile

from PIL import Image
from remote_files import FILES
from streamlit.testing.v1 import AppTest

from fitlab import images, uploads


def open_data_page() -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    return at.switch_page("app_pages/data.py").run()


def _zip(entries: dict[str, tuple]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, colour in entries.items():
            picture = io.BytesIO()
            Image.new("RGB", (40, 40), colour).save(picture, "PNG")
            archive.writestr(name, picture.getvalue())
    return buffer.getvalue()


PETS = {**{f"pets/cat/{n}.png": (250, 0, n) for n in range(8)},
        **{f"pets/dog/{n}.png": (0, 0, 250 - n) for n in range(8)}}


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.get("file_uploader")[0].upload(name, content, "application/zip")
    return at.run()


def shown(markdown: str) -> str:
    """What a notice shows: its Markdown with the escapes taken out."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_the_offline_set_is_shown_with_samples_counts_shape_and_normalisation():
    at = open_data_page()
    assert not at.exception
    assert [metric.value for metric in at.metric] == ["6,000", "1,200", "32 x 32 x 3", "8"]
    text = " ".join(block.value for block in at.markdown)
    assert "values from 0 to 255" in text and "divides every pixel by 255" in text
    assert "Held in memory once for everyone on this server: 22 MB" in text
    assert [header.value for header in at.subheader] == ["Sample images", "Images per class"]
    assert len(at.get("image")) == 1  # one grid of pictures


def test_a_data_set_not_downloaded_yet_offers_the_download(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache: nothing is on this server
    at = open_data_page()
    at.selectbox(key="dataset").set_value("fashion_mnist").run()
    assert not at.exception
    assert "Fashion-MNIST is not on this server yet" in at.info[0].value
    assert [button.label for button in at.button] == ["Download Fashion-MNIST"]


def test_an_uploaded_zip_becomes_the_chosen_data_set_on_both_pages():
    at = open_data_page()
    upload(at, "pets.zip", _zip(PETS))
    assert not at.exception and not at.error
    assert "pets.zip: 16 images in 2 classes (cat, dog); 16 resized to 32x32" in \
        shown(at.success[0].value)
    assert at.selectbox(key="dataset").value == "pets.zip"
    assert [metric.value for metric in at.metric][:2] == ["16", "0"]
    # A browser carries the choice to the other page in the URL; AppTest has no URL, so the
    # page needs a second run to pick it up from the session (the browser test checks both).
    at.switch_page("app_pages/train.py").run().run()
    assert at.selectbox(key="dataset").value == "pets.zip"
    assert any("pets.zip has 16 training images" in caption.value for caption in at.caption)
    summary = " ".join(block.value for block in at.markdown)
    assert "| dense_1 | Dense | (None, 2) | 130 |" in summary


def test_each_bad_zip_says_what_is_wrong_and_the_page_keeps_working():
    at = open_data_page()
    bad = {
        "escape.zip": ({"../outside/cat/1.png": (1, 1, 1), **PETS}, "would land outside"),
        "nested.zip": ({"pets/cat/kittens/1.png": (1, 1, 1), **PETS}, "is a folder inside"),
        "few.zip": ({**PETS, "pets/bird/1.png": (1, 1, 1)}, "has only 1 image"),
        "one.zip": ({f"pets/cat/{n}.png": (1, 1, n) for n in range(6)}, "has 1 class folder"),
    }
    for name, (entries, words) in bad.items():
        upload(at, name, _zip(entries))
        assert not at.exception
        assert words in shown(at.error[0].value), (name, at.error[0].value)
        assert at.selectbox(key="dataset").value == "shapes"  # the choice is unchanged
        at.get("file_uploader")[0].clear()
    upload(at, "notes.zip", b"plain text, not a zip")
    assert "notes.zip is not a zip archive." in shown(at.error[0].value)
    assert [metric.value for metric in at.metric][0] == "6,000"  # the page still works


def test_upload_limits_match_the_servers_upload_limit():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit/config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == images.MAX_ZIP_BYTES


def test_the_download_button_fetches_the_data_set_then_shows_it(mirror):
    # `mirror` (conftest.py): a local server stands in for the internet; the cache is empty.
    at = open_data_page()
    at.selectbox(key="dataset").set_value("fashion_mnist").run()
    at.button[0].click().run()  # "Download Fashion-MNIST"
    assert not at.exception and not at.error
    assert [metric.value for metric in at.metric] == ["5", "2", "28 x 28 x 1", "10"]
    assert "1 channel (grayscale)" in " ".join(block.value for block in at.markdown)
    assert sorted(mirror) == sorted(name for name in FILES if name.startswith(("train", "t10k")))


def test_a_failed_download_is_explained_on_the_page(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("FITLAB_MIRROR", "http://127.0.0.1:9")  # nobody listens: offline
    at = open_data_page()
    at.selectbox(key="dataset").set_value("mnist").run()
    at.button[0].click().run()
    assert not at.exception
    assert "Could not download MNIST" in at.error[0].value
    assert at.button[0].label == "Download MNIST"  # try again later


# Uploads that cost more than their size, and the upload parts of issue 17, item 8.

def _pets_of(count: int, top: str = "pets") -> dict[str, tuple]:
    return {**{f"{top}/cat/{n}.png": (250, 0, n) for n in range(count)},
            **{f"{top}/dog/{n}.png": (0, 0, 250 - n) for n in range(count)}}


def test_the_same_name_uploaded_three_times_describes_the_photos_just_uploaded():
    at = open_data_page()
    for count in (6, 7, 8):  # the third upload used to be described as the second
        upload(at, "pets.zip", _zip(_pets_of(count)))
        assert not at.exception and not at.error
        assert f"pets.zip: {2 * count} images in 2 classes" in shown(at.success[0].value)
        assert [metric.value for metric in at.metric][:2] == [str(2 * count), "0"]
        at.get("file_uploader")[0].clear()
    assert at.selectbox(key="dataset").options.count("pets.zip (your upload)") == 1
    # the photos it replaced are not kept: one pets.zip on the server's disk
    assert shown(at.caption[0].value).startswith("Kept on the server for you: pets.zip (")


def test_an_upload_with_a_long_name_is_shown_and_kept_under_a_short_one():
    at = open_data_page()
    upload(at, "holiday photos " * 30 + ".zip", _zip(PETS))  # 454 characters: used to crash
    assert not at.exception and not at.error
    short = "holiday photos holiday photos holiday ph….zip"
    assert shown(at.success[0].value).startswith(f"{short}: 16 images in 2 classes")
    assert at.selectbox(key="dataset").value == short
    assert f"Kept on the server for you: {short}" in shown(at.caption[0].value)
    # and on disk under a short name: the full one was too long for the file system
    kept = uploads.file_name(short, "0123456789abcdef" * 4)
    assert kept == "upload-holiday-photos-holiday-photos-holiday-ph-0123456789abcdef.npz"


def test_names_in_an_upload_are_shown_as_their_characters_not_as_markdown():
    at = open_data_page()
    upload(at, "[prize](https:evil.example).zip", _zip(_pets_of(5, top="[win](x)")))
    assert not at.exception and not at.error
    name = at.selectbox(key="dataset").value
    assert name == "prize_(https_evil_example).zip"  # no link, no www. or http: address
    at.get("file_uploader")[0].clear()
    classes = {f"pets/![img](x)/{n}.png": (1, 1, n) for n in range(5)}
    upload(at, "pets.zip", _zip({**classes, **_pets_of(5)}))
    message = at.success[0].value
    assert "\\!\\[img\\]\\(x\\)" in message  # escaped: shown as the characters, not an image
    assert "16 images" not in message and "15 images in 3 classes (![img](x), cat, dog)" in \
        shown(message)


def test_a_learner_keeps_their_three_latest_uploads_and_is_told_of_the_oldest_removed():
    at = open_data_page()
    for number, name in enumerate(("first.zip", "second.zip", "third.zip", "fourth.zip")):
        upload(at, name, _zip(_pets_of(5 + number)))
        assert not at.exception and not at.error
        at.get("file_uploader")[0].clear()
    assert shown(at.success[0].value).endswith(
        "To make room, Fit Lab removed first.zip: it keeps your 3 latest uploads.")
    offered = at.selectbox(key="dataset").options
    assert "first.zip (your upload)" not in offered
    assert {"second.zip (your upload)", "third.zip (your upload)",
            "fourth.zip (your upload)"} <= set(offered)
    assert shown(at.caption[0].value).startswith(  # what the server's disk holds for them
        "Kept on the server for you: fourth.zip, third.zip and second.zip (")


def test_125000_tiny_photos_are_refused_on_the_page_in_a_moment(tiny_photos, monkeypatch):
    """Refused by their count before a photo is read (it used to read for 14 s into a 384 MB
    array): the zip's reads are watched, not timed, so a busy machine cannot fail it."""
    read = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda archive, member, *args, **kwargs: (
        read.append(member), real_open(archive, member, *args, **kwargs))[1])
    at = open_data_page()
    upload(at, "tiny.zip", tiny_photos)  # 20.7 MB, under the upload limit
    assert read == []
    assert not at.exception
    assert shown(at.error[0].value).startswith(
        "tiny.zip holds 125,000 files and folders; Fit Lab reads at most 10,000 photos")
    assert at.selectbox(key="dataset").value == "shapes"
    assert [metric.value for metric in at.metric][0] == "6,000"  # the page still works


def test_an_upload_waits_while_every_reader_is_busy_and_its_page_says_so():
    import threading

    release = threading.Event()  # two long uploads, stood in for by two waits
    busy = [uploads.readers().submit(release.wait, 30)
            for _ in range(uploads.MAX_READS_AT_ONCE)]
    try:
        reading = uploads.Reading("pets.zip", _zip(PETS))
        time.sleep(0.3)
        assert not reading.started
        assert reading.label() == ("pets.zip waits for other uploads to be read: the server "
                                   "reads 2 at a time…")
    finally:
        release.set()
    assert all(waited.result(timeout=5) for waited in busy)
    assert reading.future.result(timeout=30).x.shape == (16, 32, 32, 3)
    assert reading.label() == "Reading pets.zip: 16 of 16 photos…"
