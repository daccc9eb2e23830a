from streamlit.testing.v1 import AppTest


def test_about_explains_the_data_sets_and_the_command_line():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/about.py").run()
    assert not at.exception
    assert at.title[0].value == "About Fit Lab"
    text = " ".join(block.value for block in at.markdown)
    assert "CIFAR-10" in text and "Shapes" in text and "FITLAB_DATA_DIR" in text
    assert "Fashion-MNIST" in text and "one folder per class" in text
    assert "python -m fitlab fetch all" in at.code[0].value


def test_about_counts_the_exercises_there_are():
    from fitlab import exercises
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/about.py").run()
    text = " ".join(block.value for block in at.markdown)
    assert len(exercises.EXERCISES) == 8 and "*Exercises* lists eight tasks" in text
