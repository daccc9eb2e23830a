"""Looking at the data and uploading photos, in a real browser against `streamlit run`."""

import io
import re
import zipfile

import numpy as np
from learner import choose, close_menu, header_link, reveal, train
from PIL import Image
from playwright.sync_api import expect

PER_CLASS = 20


def _png(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "PNG")
    return buffer.getvalue()


def photos(extra: dict[str, bytes] | None = None, classes=("cat", "dog")) -> bytes:
    """A zip of class folders holding real PNGs: reddish or bluish noisy squares, 40x40."""
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for label, name in enumerate(classes):
            for number in range(PER_CLASS):
                picture = rng.integers(0, 120, (40, 40, 3), dtype=np.uint8)
                picture[..., 0 if label == 0 else 2] += 120
                archive.writestr(f"pets/{name}/{number}.png", _png(picture))
        for entry, content in (extra or {}).items():
            archive.writestr(entry, content)
    return buffer.getvalue()


def open_data_page(page):
    page.get_by_role("link", name="Look at the data").click()
    expect(page.get_by_text("Sample images")).to_be_visible(timeout=30_000)
    page.get_by_text("Your own photos").click()


def upload(page, name: str, content: bytes):
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": content}])


def remove_upload(page, message: str):
    """Take the file out of the uploader and wait for the page to redraw without it."""
    page.get_by_role("button", name=re.compile(r"^Remove ")).first.click()
    expect(page.get_by_role("button", name=re.compile(r"^Remove "))).to_have_count(0)
    expect(page.get_by_text(message)).to_have_count(0, timeout=20_000)


def _bomb() -> bytes:
    """300 MB of zeros that pack into well under a megabyte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("pets/cat/0.png", "w", force_zip64=True) as entry:
            for _ in range(300):
                entry.write(bytes(1024 * 1024))
    return buffer.getvalue()


def test_bad_zips_are_explained_and_good_photos_train(page, server_tmp, server_store):
    open_data_page(page)
    written = lambda: (set(server_tmp.rglob("*")), set(server_store.rglob("*.npz")))  # noqa: E731
    before = written()
    bad = {
        "escape.zip": (photos({"../../outside.png": b"x"}), "would land outside the folder"),
        "nested.zip": (photos({"pets/cat/kittens/1.png": b"x"}), "is a folder inside a class"),
        "few.zip": (photos({"pets/bird/1.png": _png(np.zeros((8, 8, 3), np.uint8))}),
                    "has only 1 image; each class needs at least 5"),
        "empty.zip": (photos({"pets/bird/": b""}), "“bird” in empty.zip has no readable"),
        "notes.zip": (b"not a zip at all", "notes.zip is not a zip archive."),
        "bomb.zip": (_bomb(), "bomb.zip would unpack to 300.0 MB, more than the limit"),
    }
    for name, (content, words) in bad.items():
        upload(page, name, content)
        expect(page.get_by_text(words)).to_be_visible(timeout=20_000)
        expect(page.get_by_text("6,000", exact=True)).to_be_visible()  # Shapes is still shown
        remove_upload(page, words)
    # Over the upload limit: Streamlit's own uploader refuses it before it reaches Fit Lab.
    upload(page, "huge.zip", bytes(21 * 1024 * 1024))
    expect(page.get_by_text("File must be 20.0MB or smaller.")).to_be_visible(timeout=20_000)
    remove_upload(page, "File must be 20.0MB or smaller.")
    assert written() == before  # nothing of them was written anywhere

    upload(page, "pets.zip", photos({"pets/cat/readme.txt": b"notes", "__MACOSX/._x": b""}))
    expect(page.get_by_text("pets.zip: 40 images in 2 classes (cat, dog); 40 resized to "
                            "32x32 pixels; 1 files skipped")).to_be_visible(timeout=20_000)
    training_images = page.get_by_test_id("stMetric").filter(has_text="Training images")
    expect(training_images.get_by_text("40", exact=True)).to_be_visible()
    header_link(page, "Compile and train").click()
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Dataset")
    expect(box.locator("input")).to_have_value("pets.zip (your upload)", timeout=20_000)
    page.get_by_role("button", name="Model", exact=True).click()
    expect(page.get_by_text("The model: the lesson's first CNN, 79,010 parameters")
           ).to_be_visible()
    page.keyboard.press("Escape")
    train(page)
    expect(page.get_by_text("Finished all 10 epochs.")).to_be_visible(timeout=120_000)


def offers(page, option):
    """Whether the Dataset control lists `option`."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Dataset")
    box.locator("input").click()
    listed = page.get_by_role("option", name=option, exact=True).count()
    page.keyboard.press("Escape")
    return listed == 1


def test_uploaded_photos_stay_through_a_reload_for_that_browser_alone(browser, app_url,
                                                                      server_store):
    learner = browser.new_context().new_page()
    learner.goto(app_url)
    learner.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    open_data_page(learner)
    upload(learner, "holiday.zip", photos())
    expect(learner.get_by_text("holiday.zip: 40 images")).to_be_visible(timeout=20_000)
    kept = [path for path in server_store.glob("learners/*/*.npz") if "holiday" in path.name]
    assert len(kept) == 1 and server_store.stat().st_mode & 0o077 == 0  # this user alone
    learner.reload()
    learner.get_by_role("button", name="Show other images").wait_for(timeout=60_000)
    assert offers(learner, "holiday.zip (your upload)")
    stranger = browser.new_context().new_page()
    stranger.goto(app_url)
    open_data_page(stranger)
    assert not offers(stranger, "holiday.zip (your upload)")
    stranger.context.close()
    learner.context.close()


def test_a_first_run_on_fashion_mnist_downloads_it_with_a_progress_bar(page):
    choose(page, "Dataset", "Fashion-MNIST (clothes, grayscale)")
    opened = reveal(page, page.get_by_text("Fashion-MNIST is not on this server yet"))
    close_menu(page, opened)
    page.get_by_role("button", name="Model", exact=True).click()
    expect(page.get_by_text("Fit Lab sets the input to Fashion-MNIST's 28x28x1")).to_be_visible()
    page.keyboard.press("Escape")
    train(page)
    progress = re.compile(
        r"Downloading Fashion-MNIST \(file \d of 4\): [\d.]+ of [\d.]+ (bytes|kB|MB)")
    expect(page.get_by_text(progress)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Finished all 10 epochs.")).to_be_visible(timeout=120_000)
