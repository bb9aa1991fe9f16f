"""Gradio widget of the detection metric, for its Hub metric Space."""

import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("detection.py")
launch_gradio_widget(module)
