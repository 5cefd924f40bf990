"""Scope in a real browser: the plant tree, a dashboard, a chart and the violation list as
an operator granted one site, an operator with no grant, an engineer and a QA manager.

The server runs the demo plant (``seed_demo`` history ending 20 minutes ago, so the
characteristics sampled every 15 minutes or less are overdue and the others stay on time
for another quarter of an hour) with daphne on the embedded default settings. The DOM is
checked against the server's database (``expected()``, computed here without the tree
code: a recursive walk with siblings by name, states from the open violations). Every
same-origin link on every page is fetched with the user's session: only 200, or a redirect
to a page that answers 200, is allowed. Screenshots of the tree and a site dashboard at
tablet and desktop size are kept in docs/img/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, manage, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
DEBUG_PAGE = "DEBUG = True"
WAIT_MS = 15000


def seed() -> None:
    """The demo plant and four users (run in the server's environment)."""
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from hierarchy.models import Node, SiteGrant
    from hierarchy.roles import ENGINEER, OPERATOR, QA_MANAGER, assign_role
    from spc.demo_history import seed_demo_history
    from spc.demo_plant import create_demo_plant

    chars = create_demo_plant()
    seed_demo_history(end=timezone.now() - timedelta(minutes=20))
    detroit = Node.objects.get(code="detroit")
    users = {
        "site-op": (OPERATOR, [detroit], False),
        "lost-op": (OPERATOR, [], False),
        "eng": (ENGINEER, [None], True),
        "qa": (QA_MANAGER, [None], True),
    }
    for name, (role, grants, staff) in users.items():
        user = User.objects.create_user(name, password=PASSWORD, is_staff=staff)
        assign_role(user, role)
        for node in grants:
            SiteGrant.objects.create(user=user, node=node)
    nodes = {n.code: n.pk for n in Node.objects.all()}
    print("SEED" + json.dumps({"nodes": nodes, "chars": {c.name: c.pk for c in chars}}))


def _natural(name: str) -> list[tuple[int, Any]]:
    parts = re.split(r"(\d+)", name.casefold())
    return [(0, int(p)) if p.isdigit() else (1, p) for p in parts if p]


def expected(username: str) -> None:
    """The tree ``username`` should see, depth first with siblings by name, each node with
    its worst open state, open violations and overdue characteristics below it."""
    from django.contrib.auth.models import User

    from alerts.models import Violation
    from hierarchy.scoping import visible_nodes
    from spc.jobs.overdue import statuses
    from spc.models import Characteristic

    user = User.objects.get(username=username)
    nodes = {n.pk: n for n in visible_nodes(user)}
    chars = list(Characteristic.objects.filter(active=True, hierarchy_id__in=list(nodes)))
    overdue = {pk for pk, s in statuses(chars).items() if s.state.value == "OVERDUE"}
    open_rows = Violation.objects.filter(acknowledged_at__isnull=True)
    severities: dict[int, list[str]] = {}
    for char_id, severity in open_rows.values_list("characteristic_id", "severity"):
        severities.setdefault(char_id, []).append(severity)

    def status(path: str) -> dict[str, Any]:
        below = [c for c in chars if nodes[c.hierarchy_id].path.startswith(path)]
        found = [s for c in below for s in severities.get(c.pk, [])]
        state = "CRITICAL" if "CRITICAL" in found else "WARNING" if found else "OK"
        return {
            "state": state if below else "NONE",
            "open": len(found),
            "overdue": sum(c.pk in overdue for c in below),
        }

    def walk(parent: int | None) -> list[dict[str, Any]]:
        kids = [n for n in nodes.values() if n.parent_id == parent]
        if parent is None:  # roots: nodes whose parent the user does not see
            kids = [n for n in nodes.values() if n.parent_id not in nodes]
        kids.sort(key=lambda n: (_natural(n.name), n.pk))
        return [e for n in kids for e in ({"id": n.pk, **status(n.path)}, *walk(n.pk))]

    print("TREE" + json.dumps(walk(None)))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("scope"), seeder="tests.test_browser_scope")


@pytest.fixture(scope="module")
def browser(demo: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _expected(server: dict[str, Any], username: str) -> list[dict[str, Any]]:
    code = f"from tests.test_browser_scope import expected; expected({username!r})"
    out = manage(server["env"], "shell", "-c", code)
    return list(json.loads(out.split("TREE", 1)[1].strip().splitlines()[0]))


def _shown_tree(page: Any) -> list[dict[str, Any]]:
    """The tree as the page shows it: node ids in document order with their status."""
    return list(
        page.eval_on_selector_all(
            "li.tree-node",
            """items => items.map(li => {
                const s = li.querySelector(':scope > details > summary > .node-status');
                return {id: Number(li.dataset.node), state: s.dataset.state,
                        open: Number(s.dataset.open), overdue: Number(s.dataset.overdue)};
            })""",
        )
    )


def _check_page(screen: Screen, path: str) -> Any:
    """Open ``path``, check it is no debug page, and fetch every same-origin link on it
    with the user's session: 200, or a redirect to a page answering 200."""
    page = screen.open(path)
    page.wait_for_load_state("networkidle")
    html = page.content()
    assert DEBUG_PAGE not in html, path
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    origin = urlsplit(screen.base).netloc
    for href in sorted({h.split("#", 1)[0] for h in hrefs}):
        if urlsplit(href).netloc != origin:
            continue
        response = screen.context.request.get(href, max_redirects=0)
        status = response.status
        if status in (301, 302):
            target = urljoin(href, response.headers["location"])
            status = screen.context.request.get(target).status
        assert status == 200, f"{path}: link {href} answered {response.status} → {status}"
    return page


def _assert_no_debug_page_for_a_missing_page(screen: Screen, path: str) -> None:
    response = screen.context.request.get(f"{screen.base}{path}")
    body = response.text()
    assert response.status == 404
    assert DEBUG_PAGE not in body
    assert "This page does not exist" in body


def test_an_operator_granted_one_site_walks_his_site_without_dead_ends(
    browser: Any, demo: dict[str, Any]
) -> None:
    nodes, chars = demo["ids"]["nodes"], demo["ids"]["chars"]
    screen = Screen(browser, demo, "site-op")
    page = _check_page(screen, "/")
    assert _shown_tree(page) == _expected(demo, "site-op")
    assert _shown_tree(page)[0]["id"] == nodes["detroit"]
    assert page.locator("nav[aria-label=Main] a[href='/reports/']").count() == 0
    assert page.locator("nav[aria-label=Main] a[href='/api/docs/']").count() == 0
    board = _check_page(screen, f"/nodes/{nodes['detroit']}/")
    crumbs = board.inner_text("nav.breadcrumbs")
    assert "Acme Manufacturing" in crumbs
    assert board.locator(f"nav.breadcrumbs a[href='/nodes/{nodes['acme']}/']").count() == 0
    headings = board.eval_on_selector_all("h2.line-heading", "hs => hs.map(h => h.id)")
    # Areas by name (Assembly before Machining), lines by name within them.
    assert headings == [f"line-{nodes[code]}" for code in ("final-1", "cnc-1", "cnc-2")]
    _check_page(screen, f"/chars/{chars['Bore diameter']}/")
    violations = _check_page(screen, "/violations/")
    options = violations.eval_on_selector_all(
        "#id_characteristic option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert {int(o) for o in options} == _characteristic_ids(demo, "detroit")
    _assert_no_debug_page_for_a_missing_page(screen, f"/nodes/{nodes['acme']}/")
    _assert_no_debug_page_for_a_missing_page(screen, f"/chars/{chars['Film thickness']}/")
    screen.shot("violations_one_site_operator")
    screen.close()


def _characteristic_ids(server: dict[str, Any], site: str) -> set[int]:
    """Ids of every characteristic under the site with code ``site``, from the database."""
    code = (
        "import json; from spc.models import Characteristic; print('IDS' + json.dumps(list("
        f"Characteristic.objects.filter(hierarchy__path__contains='/{server['ids']['nodes'][site]}/')"
        ".values_list('pk', flat=True))))"
    )
    out = manage(server["env"], "shell", "-c", code)
    return set(json.loads(out.split("IDS", 1)[1].strip().splitlines()[0]))


def test_an_operator_without_a_grant_is_told_whom_to_ask(
    browser: Any, demo: dict[str, Any]
) -> None:
    screen = Screen(browser, demo, "lost-op")
    page = _check_page(screen, "/")
    text = page.inner_text("main")
    assert "No part of the plant is assigned to you yet" in text
    assert "No plant configured" not in text
    assert page.locator("li.tree-node").count() == 0
    screen.shot("home_no_grant")
    violations = _check_page(screen, "/violations/")
    options = violations.eval_on_selector_all(
        "#id_characteristic option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert options == []
    _assert_no_debug_page_for_a_missing_page(screen, f"/nodes/{demo['ids']['nodes']['acme']}/")
    screen.close()


@pytest.mark.parametrize("user", ["eng", "qa"])
def test_engineer_and_qa_manager_see_the_whole_tree_as_the_database_has_it(
    browser: Any, demo: dict[str, Any], user: str
) -> None:
    nodes, chars = demo["ids"]["nodes"], demo["ids"]["chars"]
    screen = Screen(browser, demo, user)
    page = _check_page(screen, "/")
    shown = _shown_tree(page)
    assert shown == _expected(demo, user)
    assert shown[0]["id"] == nodes["acme"]
    assert any(n["overdue"] for n in shown)
    assert any(n["state"] != "OK" for n in shown)
    assert page.locator("nav[aria-label=Main] a[href='/reports/']").count() == (user == "qa")
    assert page.locator("nav[aria-label=Main] a[href='/api/docs/']").count() == 1
    _check_page(screen, f"/nodes/{nodes['monterrey']}/")
    _check_page(screen, f"/chars/{chars['Shaft OD']}/")
    _check_page(screen, "/violations/")
    screen.close()


def test_the_tree_follows_a_new_violation_live(browser: Any, demo: dict[str, Any]) -> None:
    nodes, chars = demo["ids"]["nodes"], demo["ids"]["chars"]
    screen = Screen(browser, demo, "eng")
    page = screen.open("/")
    screen.wait_live()
    line = f"#node-status-{nodes['final-1']}"
    before = int(page.get_attribute(line, "data-open") or 0)
    token = next(c["value"] for c in screen.context.cookies() if c["name"] == "csrftoken")
    response = screen.context.request.post(
        f"{demo['url']}/api/v1/samples/",
        data={"characteristic": chars["Torque"], "measurements": [14.5]},
        headers={"X-CSRFToken": token, "Referer": f"{demo['url']}/"},
    )
    assert response.status == 201, response.text()
    # No eval under the page's CSP: wait on a selector, not a function.
    page.wait_for_selector(f"{line}:not([data-open='{before}'])", timeout=WAIT_MS)
    assert int(page.get_attribute(line, "data-open") or 0) > before
    assert page.get_attribute(line, "data-state") == "CRITICAL"
    page.wait_for_timeout(2500)  # the trailing re-read after the last event
    assert _shown_tree(page) == _expected(demo, "eng")
    screen.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_screenshots_of_the_tree_and_a_site_dashboard(
    browser: Any, demo: dict[str, Any], size: str
) -> None:
    screen = Screen(browser, demo, "eng", viewport=SIZES[size])
    page = screen.open("/")
    page.wait_for_load_state("networkidle")
    screen.shot(f"plant_tree_{size}", docs=True)
    page = screen.open(f"/nodes/{demo['ids']['nodes']['detroit']}/")
    page.wait_for_load_state("networkidle")
    screen.shot(f"dashboard_site_{size}", docs=True)
    screen.close()
