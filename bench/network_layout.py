"""How long the alliance network takes to lay out in the browser at 50 and at 500 commitments.

    .venv/bin/python bench/network_layout.py [--runs 3]

Builds synthetic networks the way pages/network.py does (an alliance is one node joined to its
members; a bilateral commitment one arrow), loads the vendored Cytoscape.js and static/network.js's
style and layout into Debian's chromium (Playwright), and prints the median time to lay out and
draw each, with the ratio 500/50. The times depend on the machine and its load; read the ratio.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
from pathlib import Path

STATIC = Path(__file__).parents[1] / "server" / "pactgraph" / "static"


def synthetic(commitments: int, seed: int = 1) -> dict:
    """``commitments`` commitments among about 200 states: one in ten an alliance of 3 to 32."""
    rng = random.Random(seed)
    states = [f"S{i:03d}" for i in range(200)]
    nodes = {}
    edges = []
    for c in range(commitments):
        if c % 10 == 0:
            members = rng.sample(states, rng.randint(3, 32))
            nodes[f"A{c}"] = {"id": f"A{c}", "label": f"Alliance {c}", "kind": "alliance"}
            edges += [{"id": f"{m}-A{c}", "source": m, "target": f"A{c}", "kind": "member",
                       "rank": 3, "status": "active", "mutual": False} for m in members]
        else:
            members = rng.sample(states, 2)
            edges.append({"id": f"{members[0]}-{members[1]}-{c}", "source": members[0],
                          "target": members[1], "kind": "obligation", "rank": rng.randint(1, 5),
                          "status": "active", "mutual": rng.random() < 0.5})
        for m in members:
            nodes.setdefault(m, {"id": m, "label": m, "kind": "state"})
    return {"nodes": [{"data": n} for n in nodes.values()], "edges": [{"data": e} for e in edges]}


def drawing_code() -> str:
    """network.js's style and layout, taken from the file so the bench follows it."""
    source = (STATIC / "network.js").read_text(encoding="utf-8")
    start = source.index("  var RANK_COLOURS")
    end = source.index("  var cy = null;")
    return re.sub(r"host\.clientWidth", "1100", source[start:end])


PAGE = """<!doctype html><html><body><div id="network" style="width:1100px;height:700px"></div>
<script>{cytoscape}</script><script>
{drawing}
window.lay = function (elements) {{
  var started = performance.now();
  var cy = window.cytoscape({{ container: document.getElementById("network"), elements: elements,
                               style: styles(elements.edges.length),
                               layout: layout(elements.nodes.length) }});
  var took = performance.now() - started;
  cy.destroy();
  return took;
}};
</script></body></html>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    cytoscape = (STATIC / "vendor" / "cytoscape" / "cytoscape.min.js").read_text(encoding="utf-8")
    html = PAGE.format(cytoscape=cytoscape, drawing=drawing_code())
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    medians = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.set_content(html)
        for size in (50, 500):
            elements = synthetic(size)
            times = [page.evaluate("(e) => window.lay(e)", elements) for _ in range(args.runs)]
            medians[size] = statistics.median(times)
            print(f"{size:4d} commitments: {len(elements['nodes'])} nodes, "
                  f"{len(elements['edges'])} edges, median {medians[size]:.0f} ms "
                  f"over {args.runs} runs")
        browser.close()
    print(f"ratio 500/50: {medians[500] / medians[50]:.1f}")


if __name__ == "__main__":
    main()
