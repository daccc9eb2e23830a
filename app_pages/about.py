"""About Fit Lab: what it is, its data sets, and how to use it without the browser."""

import streamlit as st

from fitlab import config, exercises, shapes
from fitlab.store import KEEP_SECONDS

st.title("About Fit Lab")

st.markdown(
    f"""
Fit Lab accompanies the lesson *Compile and Train (Fit) a Convolutional Neural Network* of
the Carpentries' introduction to image classification. It trains the lesson's CNN with
Keras while you watch, so that every setting the lesson talks about is one you can change.

**The pages.** *Compile and train* has the lesson, a section at a time, on the same page as the
settings and the live charts. The *Learning-rate explorer* shows gradient descent on curves small
enough to see whole, with no training at all.
*Exercises* lists {exercises.in_words(len(exercises.EXERCISES))} tasks that Fit Lab checks from
your own runs, with hints; your ticks are kept with your runs, in this browser, so a reload
keeps them. *Look at the data*, *Your runs* and *Evaluate* show the pictures, your runs side by
side, and how a trained network does on test images.

**Runs go on in the background.** Changing a setting, reading another page or opening a
second tab does not stop a run; only **Stop** does. Each run uses its own settings, fixed
when you pressed **Train**.
"""
)

st.subheader("In a class")
st.markdown("An instructor's link (`?class=CODE`) puts you in their class: they see your runs "
            "under a name you choose and can move the room to a section. Given only the code, "
            "type it on the Class page, which your header lists once you are in a class.")
st.page_link("app_pages/room.py", label="Join a class, or open one", icon=":material/groups:")

st.subheader("Data sets")
st.markdown(
    f"""
- **Shapes**: {shapes.SHAPES_TRAIN_SIZE:,} training and {shapes.SHAPES_TEST_SIZE:,} test
  pictures of eight shapes ({", ".join(shapes.SHAPE_CLASSES)}), 32x32 pixels in colour, made by
  Fit Lab itself, so they need no internet and are the same every time.
- **CIFAR-10**: the lesson's data set, 50,000 training and 10,000 test photographs in ten
  classes, 32x32 in colour (170 MB to download).
- **Fashion-MNIST** and **MNIST**: 60,000 training and 10,000 test pictures of clothes and of
  handwritten digits, 28x28 in grayscale (30 MB and 11 MB). Fit Lab gives the model a
  28x28x1 input for them; the lesson's layers stay the same.
- **Your own photos**: upload a `.zip` with one folder per class on *Look at the data*.
  Photos of any size become 32x32 colour pictures; files that are not photos are skipped.
  They stay in a private folder on the server for your browser only, with your runs, and are
  deleted {KEEP_SECONDS / 3600:.0f} hours after your last visit.
- **The data folder** (`{config.data_dir()}`, set by the `FITLAB_DATA_DIR` environment
  variable): `.npz` files holding `x_train`, `y_train`, `x_test` and `y_test` (the layout of
  Keras' own data sets) and folders of photos with one subfolder per class appear in the
  Dataset list.

Downloads happen once per machine, into Keras' own cache, with a progress bar; the first run
on a data set that is not there yet downloads it.
"""
)

st.subheader("From the command line")
st.markdown("The same engine trains from a terminal, and fetches the data before a workshop:")
st.code(
    "python -m fitlab fetch all\n"
    "python -m fitlab train --dataset cifar10 --optimizer adam --learning-rate 0.001 \\\n"
    "    --batch-size 32 --epochs 10 --train-images 5000 --json\n"
    "python -m fitlab train --dataset cifar10 --classes airplane,bird,cat,dog,truck\n"
    "python -m fitlab train --dataset path/to/photos   # one subfolder per class",
    language="bash",
)
