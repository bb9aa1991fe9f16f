"""What a background's file name says: LiCSAR frame, pass direction, dates and volcano.

COMET-LiCSAR frame ids (``079D_07694_131313``: relative orbit 79, **D**escending; ``A`` =
ascending) appear in the names of LiCSAR products and of the collections cut from them, such as
``<region>_<volcano>_<frame>_<volcano>_<date1>_<date2>[...].png`` (Bountos et al. 2021).  A name
may say only some of this; what it does not say is ``""``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FRAME_RE", "NameFacts", "name_facts"]

FRAME_RE = re.compile(r"(?<![0-9A-Za-z])(\d{3})([AD])_(\d{5})_(\d{6})(?![0-9])")
"""A LiCSAR frame id anywhere in a path; group 2 is the pass letter."""

_VOLCANO_RE = re.compile(r"\d{3}[AD]_\d{5}_\d{6}_(?P<volcano>[a-z0-9][a-z0-9_-]*?)_\d{8}_\d{8}")
_DATES_RE = re.compile(r"(?<!\d)(\d{8})_(\d{8})(?!\d)")
_PASSES = {"A": "ascending", "D": "descending"}


@dataclass(frozen=True)
class NameFacts:
    """What a path's name says (``""`` where it is silent)."""

    frame: str
    pass_direction: str
    date1: str
    date2: str
    volcano: str


def name_facts(path: str) -> NameFacts:
    """Frame, pass, dates (``YYYYMMDD``) and volcano from a relative path's text.

    >>> name_facts("africa_afdera_079D_07694_131313_afdera_20151006_20151030_129_159_1.png")
    NameFacts(frame='079D_07694_131313', pass_direction='descending', date1='20151006', \
date2='20151030', volcano='afdera')
    """
    frame = FRAME_RE.search(path)
    dates = _DATES_RE.search(path)
    volcano = _VOLCANO_RE.search(path)
    return NameFacts(
        frame="_".join((frame.group(1) + frame.group(2), frame.group(3), frame.group(4)))
        if frame
        else "",
        pass_direction=_PASSES[frame.group(2)] if frame else "",
        date1=dates.group(1) if dates else "",
        date2=dates.group(2) if dates else "",
        volcano=volcano.group("volcano") if volcano else "",
    )
