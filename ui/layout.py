"""What Streamlit's primitives cannot say: panes as tall as the window, a lesson section that
opens at its top, and the cookie that tells a returning learner. The only place that hands
the browser HTML, and none of it comes from a learner or a link (tests/test_hardening.py)."""

from pathlib import Path

import streamlit as st

from fitlab.store import KEEP_SECONDS, LEARNER_ID
from ui.state import LEARNER_COOKIE

STYLESHEET = Path(__file__).with_name("layout.css")
EVERY_PAGE = Path(__file__).with_name("pages.css")


def every_page() -> None:
    """What every page needs beyond the theme: code highlighting a low-vision reader can read."""
    st.html(EVERY_PAGE)


def one_screen() -> None:
    """The Train page's stylesheet (see docs/design.md, "The Train page: one screen")."""
    st.html(STYLESHEET)


# The places the phone's bar of Train and Stop links to (layout.css), as HTML written here
# alone: the lesson, 1,500 px below the run there, and the run's charts, at the top of its
# panel, where a learner reading the lesson had lost the run when it ended.
ANCHORS = {"lesson": '<span id="lesson"></span>', "charts": '<span id="charts"></span>'}


def anchor(place: str) -> None:
    """Mark `place` ("lesson" or "charts") for the phone's bar's link to it."""
    st.html(ANCHORS[place])


def lesson_to_its_top(section: int) -> None:
    """Scroll the lesson back to its top. Streamlit keeps the scroll position across reruns
    and has no call to change it. Each turn's script carries the section's number, so that
    the browser sees a new script and runs it; its body is a function of its own, as every
    script shares the page's global names."""
    st.html(f"""<script>
        (() => {{
          const section = {int(section)};
          const pane = document.querySelector(".st-key-lesson_pane");
          const page = document.querySelector("[data-testid='stMain']");
          if (!pane) return;
          pane.scrollTop = 0;
          if (window.innerWidth > 640 && page) page.scrollTop = 0;  // the page never scrolls
          else if (pane.getBoundingClientRect().top < 0) pane.scrollIntoView({{block: "start"}});
        }})();
        </script>""", unsafe_allow_javascript=True)


def remember_learner(learner: str) -> None:
    """Write the learner's id into a cookie, which the browser sends when it next opens Fit
    Lab (Streamlit reads cookies but cannot set them). It lasts as long as the learner's
    runs are kept, renewed at each visit."""
    if not LEARNER_ID.fullmatch(learner):
        raise ValueError("not a learner id")
    st.html(f"""<script>
        document.cookie = "{LEARNER_COOKIE}={learner}; Max-Age={int(KEEP_SECONDS)}; Path=/; "
          + "SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
        </script>""", unsafe_allow_javascript=True)
