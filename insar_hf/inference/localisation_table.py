"""The localisation table of a model card: the ``"attention"`` entry of ``metrics.json`` in Markdown.

The scores come from :func:`insar_hf.inference.localisation.localisation_metrics`; this module
only words them.
"""

from __future__ import annotations

from typing import Any

from insar_hf.inference.map_choice import DEFAULT_BOX_THRESHOLD

MAP_LABELS = {
    "rollout_discard": "rollout, discard 0.9",
    "rollout": "attention rollout",
    "layer": "last layer",
    "relevance": "gradient relevance",
    "occlusion": "occlusion",
    "patch": "patch log-odds",
    "random": "random map",
}
"""The table's name of each map method (and of the random map), in the table's order."""

__all__ = ["MAP_LABELS", "markdown_table"]


def markdown_table(result: dict[str, Any]) -> str:
    """The ``"attention"`` entry of ``metrics.json`` as a Markdown table for the model card.

    Returns ``""`` for a skipped or empty result.
    """
    if not result or "skipped" in result or "n" not in result:
        return ""
    default = result.get("settings", {}).get("default")
    lines = [
        f"Localisation on {result['n']} earthquake scenes (chance level of the pointing game: "
        f"{result['mask_area_fraction']:.3f}; a box over the whole image has mean IoU "
        f"{result.get('whole_image_iou', float('nan')):.3f}):",
        "",
        "| map | pointing game | mass in mask | top-box IoU | box centre hit | top-box area "
        "| IoU >= 0.5 | recall IoU>=0.3 | recall IoU>=0.5 | box level | s / image |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = [k for k in MAP_LABELS if isinstance(result.get(k), dict)]

    def cell(scores: dict, key: str) -> str:  # a result written before the key existed: "-"
        return f"{scores[key]:.3f}" if key in scores else "-"

    for name in names:
        s = result[name]
        label = MAP_LABELS[name] + (" (default)" if name == default else "")
        lines.append(
            f"| {label} | {s['pointing_game']:.3f} | {s['mass_in_mask']:.3f} | "
            f"{s['iou_top_box']:.3f} | {cell(s, 'box_centre_hit')} | {cell(s, 'top_box_area')} | "
            f"{s['iou_at_0_5']:.3f} | {s.get('recall_at_0_3', 0):.3f} | "
            f"{s.get('recall_at_0_5', 0):.3f} | {s.get('box_threshold', DEFAULT_BOX_THRESHOLD)} | "
            f"{s.get('seconds_per_image', 0):.4f} |"
        )
    return "\n".join(lines) + "\n"
