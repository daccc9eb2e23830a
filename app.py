"""Fit Lab: the router. Page config and the pages, named in the header of every page."""

import pathlib

import streamlit as st

from ui import class_view, exercises_view, layout, state

# A file of our own, served by this server: a Material icon's favicon is fetched from
# fonts.gstatic.com, which a closed classroom network cannot reach.
ICON = pathlib.Path(__file__).parent / "ui" / "icon.png"
st.set_page_config(page_title="Fit Lab", page_icon=ICON, layout="wide")
layout.every_page()

state.keep_view()  # the projector view, wherever the instructor goes in the header
class_view.join_from_link()  # ?class=CODE: this browser joins the class
exercises_view.update()  # a run that has just ended may complete an exercise
exercises_done = exercises_view.progress_label()
# The pages in the header rather than a sidebar: the Train page needs the whole width.
train = st.Page("app_pages/train.py", title="Compile and train",
                icon=":material/model_training:", default=True)
page = st.navigation([
    train,
    st.Page("app_pages/explorer.py", title="Learning-rate explorer", icon=":material/landscape:"),
    st.Page("app_pages/exercises.py", title=f"Exercises {exercises_done}",
            icon=":material/task_alt:"),
    st.Page("app_pages/data.py", title="Look at the data", icon=":material/image:"),
    st.Page("app_pages/runs.py", title="Your runs", icon=":material/stacked_line_chart:"),
    st.Page("app_pages/evaluate.py", title="Evaluate", icon=":material/target:"),
    st.Page("app_pages/about.py", title="About", icon=":material/info:"),
    st.Page("app_pages/instructor.py", title="Instructor guide", icon=":material/school:"),
    st.Page("app_pages/room.py", title="Class", icon=":material/groups:",
            visibility="visible" if class_view.concerns_this_browser() else "hidden"),
], position="top")
# a learner in a class: the instructor's section and settings
class_view.banner(on_train=page.url_path == train.url_path)
page.run()
# After the page, so that this element, there only until the browser holds the cookie,
# shifts none of the page's: a shift makes Streamlit draw some elements twice for a moment.
if learner := state.learner_cookie_due():  # so that a reload finds this browser's runs
    layout.remember_learner(learner)
