"""The region tree: a node of the user's subtree with counts by category per child region."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext

from jkfp.categories import LABELS, LEVEL, Category
from jkfp.registry import selectors

# one colour per category, the same on every page
COLOURS = {
    Category.REGISTERED_POOR: "#8c564b", Category.LIFTED_OUT: "#1d4f91",
    Category.UNSTABLE_LIFTED: "#c0392b", Category.MARGINAL: "#e08e0b",
    Category.SUDDEN_HARDSHIP: "#d35e9b", Category.EXTREME_POOR: "#2e8b57",
    Category.MINIMUM_LIVING: "#16a2b8", Category.NEAR_MINIMUM_LIVING: "#7b5ea7",
    Category.RETURNED_TO_POVERTY: "#a0a000", Category.ILLNESS_IMPOVERISHED: "#5b7083",
}


UNITS = {"household": lambda: gettext("户"), "person": lambda: gettext("人"),
         "both": lambda: gettext("户/人")}


def render_region(request, *, code: str | None):
    overview = selectors.region_overview(user=request.user, code=code)
    columns = [c.value for c in Category
               if c != Category.GENERAL and overview.totals.get(c.value)]
    chart = {
        "regions": [r.region.display_name for r in overview.rows],
        # one stack per unit: household categories count households, person categories
        # persons (低保 both): never added in one bar
        "series": [{"name": f"{gettext(LABELS[Category(c)])}（{UNITS[LEVEL[Category(c)]]()}）",
                    "color": COLOURS[Category(c)], "stack": LEVEL[Category(c)],
                    "data": [r.categories.get(c, 0) for r in overview.rows]}
                   for c in columns],
    }
    from jkfp.monitoring.selectors import overview_counts

    return render(request, "regions/tree.html", {
        "overview": overview, "columns": columns, "chart": chart,
        "warnings": overview_counts(user=request.user,
                                    region_code=overview.node.code if overview.node else ""),
    })


@login_required
def region_node(request, code: str):
    return render_region(request, code=code)
