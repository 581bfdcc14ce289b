"""The accessibility check of a page, by axe-core (the axe-playwright-python
package ships it): no violation of impact "critical" or "serious"."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("critical", "serious")
_axe = Axe()


def violations(page) -> list[str]:
    """The critical and serious violations on the page, one line each, naming
    the rule, its impact and the first elements it found."""
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        found.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"at {', '.join(targets[:4])}"
            + (f" and {len(targets) - 4} more" if len(targets) > 4 else "")
        )
    return found


def assert_accessible(page) -> None:
    found = violations(page)
    assert found == [], f"{page.url}:\n" + "\n".join(found)
