"""The critical-difference diagram of Demšar (2006): methods placed on an axis of mean rank over
the scenarios, with thick bars joining the methods the Nemenyi test cannot tell apart."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.axes  # noqa: E402

from crossmodal.report.ranking import cliques  # noqa: E402

# Vertical layout, in row units growing downwards (the y axis is inverted): the CD bar, the rank
# axis, one level per clique bar, then one row per method label.
_CD_BAR_Y = 0.0
_AXIS_Y = 0.75
_CLIQUE_FIRST_Y = 1.05
_CLIQUE_STEP = 0.25
_LABEL_STEP = 0.45
# Horizontal gap, in ranks, between the axis' ends and the method labels.
_LABEL_GAP = 0.2
# Labels may take at most this share of the axes' width on each side; a narrower figure clips them.
_MAX_LABEL_SHARE = 0.35


def draw_cd_diagram(mean_ranks: Mapping[str, float], cd: float, ax: matplotlib.axes.Axes,
                    titles: Mapping[str, str] | None = None) -> None:
    """Draw the diagram on ``ax``: a rank axis from 1 (best, left) to k, each method's label on a
    line down from its mean rank (the better half on the left, the worse half on the right), the
    critical difference as a bar labelled "CD = x.xx" above the axis, and a thick bar under the axis
    for each group of methods ``cliques`` finds within ``cd`` of each other.

    ``titles`` maps a method to the label shown (e.g. ``method_title``); methods it lacks show their
    key. The caller owns the figure; about 1 + 0.3 k inches of height per k methods reads well."""
    if len(mean_ranks) < 2:
        raise ValueError(f"draw_cd_diagram: needs at least 2 methods, got {len(mean_ranks)}")
    titles = titles or {}
    count = len(mean_ranks)
    ordered = sorted(mean_ranks, key=lambda method: (mean_ranks[method], method))
    groups = cliques(mean_ranks, cd)

    ax.set_axis_off()
    line = {"color": "black", "lw": 0.8, "solid_capstyle": "butt"}

    # The rank axis, with ticks pointing up to their labels.
    ax.plot([1, count], [_AXIS_Y, _AXIS_Y], **line)
    for rank in range(1, count + 1):
        ax.plot([rank, rank], [_AXIS_Y, _AXIS_Y - 0.1], **line)
        ax.text(rank, _AXIS_Y - 0.15, str(rank), ha="center", va="bottom", fontsize=8)

    # The critical difference, drawn from rank 1 so that it reads against the axis below.
    ax.plot([1, 1 + cd], [_CD_BAR_Y, _CD_BAR_Y], **line)
    for end in (1, 1 + cd):
        ax.plot([end, end], [_CD_BAR_Y - 0.06, _CD_BAR_Y + 0.06], **line)
    ax.text(1 + cd / 2, _CD_BAR_Y - 0.1, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=8)

    # Clique bars just under the axis, each on its own level so that overlapping groups stay apart;
    # a small overhang keeps a bar visible where a group's ranks nearly coincide.
    for level, group in enumerate(groups):
        y = _CLIQUE_FIRST_Y + level * _CLIQUE_STEP
        ax.plot([mean_ranks[group[0]] - 0.03, mean_ranks[group[-1]] + 0.03], [y, y], color="black", lw=3.5,
                solid_capstyle="round")

    # Labels: the better half on the left, the worse half on the right, each side's outermost rank
    # on the top row and the inner ones lower, so that the elbow lines never cross.
    first_label_y = _CLIQUE_FIRST_Y + max(len(groups), 1) * _CLIQUE_STEP + 0.2
    left, right = ordered[: (count + 1) // 2], ordered[(count + 1) // 2:]
    left_x, right_x = 1 - _LABEL_GAP, count + _LABEL_GAP
    labels = []
    for row, method in enumerate(left):
        y = first_label_y + row * _LABEL_STEP
        ax.plot([mean_ranks[method], mean_ranks[method], left_x], [_AXIS_Y, y, y], **line)
        labels.append(ax.text(left_x - 0.05, y, f"{titles.get(method, method)} ({mean_ranks[method]:.2f})",
                              ha="right", va="center", fontsize=8))
    for row, method in enumerate(right):
        y = first_label_y + (len(right) - 1 - row) * _LABEL_STEP
        ax.plot([mean_ranks[method], mean_ranks[method], right_x], [_AXIS_Y, y, y], **line)
        labels.append(ax.text(right_x + 0.05, y, f"({mean_ranks[method]:.2f}) {titles.get(method, method)}",
                              ha="left", va="center", fontsize=8))

    # Room for the labels beside the axis: their measured width is a fixed share of the axes'
    # width (both in pixels, whatever the limits), so the rank span they sit in follows from
    # span = base / (1 - 2 * share). A CD wider than the axis (few scenarios) widens the span too.
    renderer = ax.get_figure().canvas.get_renderer()
    widest = max(label.get_window_extent(renderer).width for label in labels)
    share = min(widest / ax.get_window_extent(renderer).width + 0.02, _MAX_LABEL_SHARE)
    base = count - 1 + 2 * _LABEL_GAP + 0.1
    room = share * base / (1 - 2 * share)
    ax.set_xlim(left_x - 0.05 - room, max(right_x + 0.05 + room, 1 + cd + 0.1))
    lowest = first_label_y + (max(len(left), len(right)) - 1) * _LABEL_STEP
    # Bottom above top: rows grow downwards.
    ax.set_ylim(lowest + 0.3, _CD_BAR_Y - 0.45)
