"""axe-core in the browser journeys: every page checked must report 0 violations.

axe-core comes from the npm registry (``npm install axe-core`` into ``.cache/axe``, or
``EMPLOI_AXE_JS`` naming ``axe.min.js``). It is injected as an init script, which the
browser runs before the page's own scripts and outside its content security policy (the app
forbids inline scripts). Without it the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = (ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js",
              ROOT / "node_modules" / "axe-core" / "axe.min.js")
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map(n => n.target.join(" "))}));
}"""


def axe_script() -> Path:
    """axe.min.js (skip, or fail under CI=true, when it is missing)."""
    configured = os.environ.get("EMPLOI_AXE_JS")
    found = Path(configured) if configured else next((p for p in CANDIDATES if p.exists()),
                                                     None)
    require(found is not None and found.exists(),
            "axe-core not found: cd .cache/axe && npm install axe-core (or set EMPLOI_AXE_JS)")
    assert found is not None
    return found


def install(context: Any) -> None:
    """Make axe available on every page of a browser context."""
    context.add_init_script(path=str(axe_script()))


def violations(page: Any) -> list[dict[str, Any]]:
    """The axe-core violations of the page as it is now."""
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return found
