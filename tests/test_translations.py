"""The German and Spanish catalogues are complete, compiled, and the operator pages'
templates have no text left outside translation tags.

``makemessages`` runs on a private copy (symlinks to the code, a copy of ``locale/``), so
the repository's catalogues are never touched; the merged result must have no untranslated
or fuzzy entry, and compile to exactly the committed ``django.mo``.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("de", "es")
SOURCES = (
    "templates",
    "hierarchy",
    "spc",
    "alerts",
    "audit",
    "ingest",
    "msa",
    "multivariate",
    "openspc",
)

#: Templates checked for text outside {% translate %} / {% blocktranslate %}: the pages
#: an operator sees. Add a template here once its strings are marked.
MARKED_TEMPLATES = (
    "base.html",
    "error_plain.html",
    "400.html",
    "403.html",
    "403_csrf.html",
    "404.html",
    "500.html",
    "hierarchy/setup.html",
    "hierarchy/tokens.html",
    "spc/out_of_spec.html",
    "spc/sample.html",
    "spc/partials/sampling_toast.html",
    "spc/partials/sample_detail.html",
    "registration/login.html",
    "hierarchy/preferences.html",
    "spc/home.html",
    "spc/dashboard.html",
    "spc/characteristic.html",
    "spc/entry.html",
    "spc/partials/breadcrumbs.html",
    "spc/partials/card.html",
    "spc/partials/char_status.html",
    "spc/partials/entry_result.html",
    "spc/partials/node_status.html",
    "spc/partials/sampling_badge.html",
    "spc/partials/spec_warning.html",
    "spc/partials/state_badge.html",
    "alerts/violation_list.html",
    "alerts/partials/ack_dialog.html",
    "alerts/partials/ack_done.html",
    "alerts/partials/ack_toolbar.html",
    "alerts/partials/episode_latest.html",
    "alerts/partials/toast.html",
    "alerts/partials/violation_ack.html",
    "alerts/partials/violation_panel.html",
    "alerts/partials/violation_row.html",
)
#: Words that are the same in every language (the product's name, units, symbols).
UNTRANSLATED_WORDS = {"OpenSPC"}

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="needs GNU gettext (Debian package gettext)"
)


def catalogue(mo: Path) -> dict[object, str]:
    """msgid (or (msgid, plural index)) -> translation of a compiled catalogue."""
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``makemessages`` for de and es over a copy: the catalogues as the code needs them."""
    work = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    shutil.copytree(ROOT / "locale", work / "locale")
    with override_settings(LOCALE_PATHS=[work / "locale"]), pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            symlinks=True,
            no_location=True,
            ignore_patterns=["*/tests/*", "*/migrations/*"],
            verbosity=0,
        )
    return work / "locale"


def _unquote(lines: list[str]) -> str:
    return "".join(line.split('"', 1)[1].rsplit('"', 1)[0] for line in lines)


def incomplete_entries(po: Path) -> list[str]:
    """msgids of a catalogue whose translation is missing or marked fuzzy."""
    bad: list[str] = []
    for block in po.read_text().split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        fields: dict[str, list[str]] = {}
        key = ""
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith("msg"):
                key = line.split(" ", 1)[0]
                fields[key] = [line.split(" ", 1)[1]]
            elif key:
                fields[key].append(line)
        msgid = _unquote(fields.get("msgid", ['""']))
        if not msgid:
            continue  # the header
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        translations = [_unquote(v) for k, v in fields.items() if k.startswith("msgstr")]
        if fuzzy or not translations or not all(translations):
            bad.append(msgid)
    return bad


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated(fresh_catalogues: Path, language: str) -> None:
    po = fresh_catalogues / language / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)
    missing = incomplete_entries(po)
    assert missing == [], f"{language}: untranslated or fuzzy (make messages, translate): {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_catalogue(
    fresh_catalogues: Path, language: str, tmp_path: Path
) -> None:
    fresh_mo = tmp_path / "django.mo"
    po = fresh_catalogues / language / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "-o", str(fresh_mo), str(po)], check=True)
    committed = ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"
    assert catalogue(committed) == catalogue(fresh_mo), "run `make messages compilemessages`"


_DJANGO_MARKUP = re.compile(
    r"{%\s*blocktranslate.*?%}.*?{%\s*endblocktranslate\s*%}"
    r"|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|{%.*?%}|{{.*?}}",
    re.S,
)
_VISIBLE_ATTRIBUTES = re.compile(r'\b(title|aria-label|placeholder|alt)="([^"]*)"')
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)


def bare_text(source: str) -> list[str]:
    """Words a reader would see that are outside translation tags."""
    cleaned = _DJANGO_MARKUP.sub(" ", _SCRIPT_OR_STYLE.sub(" ", source))
    found: list[str] = []
    for _, value in _VISIBLE_ATTRIBUTES.findall(cleaned):
        found += re.findall(r"[A-Za-z]{2,}", value)
    text = re.sub(r"<[^>]*>", " ", cleaned)
    text = re.sub(r"&[a-z]+;", " ", text)
    found += re.findall(r"[A-Za-z]{2,}", text)
    return [word for word in found if word not in UNTRANSLATED_WORDS]


@pytest.mark.parametrize("template", MARKED_TEMPLATES)
def test_operator_templates_have_no_unmarked_text(template: str) -> None:
    source = (ROOT / "templates" / template).read_text()
    assert bare_text(source) == [], f"{template}: wrap these in {{% translate %}}"


def test_the_checker_finds_unmarked_text() -> None:
    assert bare_text('<p title="Open it">{% translate "Plant" %} Line</p>') == [
        "Open",
        "it",
        "Line",
    ]
    assert bare_text("{% blocktranslate %}Page {{ n }}{% endblocktranslate %} ·") == []
