"""The interface in the six UN languages: every string translated, the compiled
catalogues in step with their sources, nothing left out of the catalogues,
and pages and error messages that really come out in the reader's language."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation

from fundmgr.roles import Role, require_role
from fundmgr.services.rates import MissingExchangeRate
from fundmgr.tabular import parse_date

#: The catalogues (their folders' names: Django's locale names).
LANGUAGES = ["ar", "zh_Hans", "fr", "ru", "es"]
#: The same languages as the site names them (Accept-Language, <html lang>).
SITE_LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]
LOCALE = Path(settings.LOCALE_PATHS[0])
PROJECT = Path(settings.BASE_DIR)

#: What the catalogues are built from (the Makefile's `messages` target).
SOURCES = ["fundmgr", "donors", "grants", "reports", "iati", "api", "templates", "manage.py"]
MAKEMESSAGES_IGNORES = [
    "--ignore=.venv",
    "--ignore=tests",
    "--ignore=staticfiles",
    "--ignore=bench",
]

# %(name)s, %(n)d, %s, %d ... and {name} / {} placeholders. No space flag:
# "(% of cash held)" is a literal percent sign, not a format.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0+-]*\d*(?:\.\d+)?[sdrif]|\{\w*\}")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def mo_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.mo"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def live_entries(catalogue) -> list:
    return [entry for entry in catalogue if not entry.obsolete]


def translations(catalogue) -> dict[tuple[str | None, str], object]:
    """(msgctxt, msgid) -> msgstr, or the tuple of plural forms."""
    table: dict[tuple[str | None, str], object] = {}
    for entry in live_entries(catalogue):
        key = (entry.msgctxt or None, entry.msgid)
        if entry.msgid_plural:
            table[key] = tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
        else:
            table[key] = entry.msgstr
    return table


# --- (a) every entry translated, none fuzzy, placeholders kept ------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalogue = polib.pofile(str(po_path(language)))
    entries = live_entries(catalogue)
    assert len(entries) > 100, "the catalogue looks empty: run `make messages`"
    assert not catalogue.metadata_is_fuzzy, "the catalogue's header is marked fuzzy"
    assert catalogue.metadata.get("Language") == language
    nplurals = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"]).group(1))

    untranslated, fuzzy = [], []
    for entry in entries:
        if "fuzzy" in entry.flags:
            fuzzy.append(entry.msgid)
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if len(forms) != nplurals or not all(forms.get(n, "").strip() for n in range(nplurals)):
                untranslated.append(entry.msgid)
        elif not entry.msgstr.strip():
            untranslated.append(entry.msgid)
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in live_entries(polib.pofile(str(po_path(language)))):
        if entry.msgid_plural:
            expected = placeholders(entry.msgid_plural)
            # The singular may name the count or not; the plural must.
            if placeholders(entry.msgid) - expected:
                wrong.append((entry.msgid, "singular and plural differ"))
            for form in entry.msgstr_plural.values():
                if placeholders(form) != expected:
                    wrong.append((entry.msgid, form))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, f"placeholders changed in {language}: {wrong}"


def test_the_placeholder_pattern_knows_a_percent_sign_from_a_format():
    assert placeholders("réserve opérationnelle (% des liquidités détenues)") == set()
    assert placeholders("taux (%)") == set()
    assert placeholders("ligne %(line)d : %(message)s, %s {name}") == {
        "%(line)d",
        "%(message)s",
        "%s",
        "{name}",
    }


# --- (b) the committed .mo is the compiled .po ------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    assert mo_path(language).is_file(), "run `make messages` and commit the .mo files"
    source = translations(polib.pofile(str(po_path(language))))
    compiled = translations(polib.mofile(str(mo_path(language))))
    stale = {key for key in source.keys() | compiled.keys() if source.get(key) != compiled.get(key)}
    assert not stale, f"{language}: the .mo is out of date, run compilemessages: {sorted(stale)}"


# --- (c) the committed catalogue holds every string of the source --------------------


def test_catalogue_has_every_string_of_the_source(tmp_path):
    if not shutil.which("xgettext"):
        pytest.skip(
            "GNU gettext is not installed (xgettext missing): install Debian's `gettext` "
            "package to check that the catalogues are complete"
        )
    for name in SOURCES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(
                source,
                tmp_path / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.po", "*.mo"),
            )
        else:
            shutil.copy2(source, tmp_path / name)

    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'makemessages.sqlite3'}"
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            *MAKEMESSAGES_IGNORES,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    generated = translations(
        polib.pofile(str(tmp_path / "fundmgr/locale/fr/LC_MESSAGES/django.po"))
    )
    assert len(generated) > 100
    for language in LANGUAGES:
        committed = translations(polib.pofile(str(po_path(language))))
        missing = sorted(generated.keys() - committed.keys(), key=str)
        assert not missing, (
            f"strings missing from the {language} catalogue (run `make messages` and "
            f"translate): {missing}"
        )


# --- (d) pages and messages in the reader's language ----------------------------------

HOME = {
    "ar": [
        "الصناديق الاستئمانية للتبرعات",
        "المتاح للالتزام",
        "الالتزامات القائمة",
        "الانتقال إلى المحتوى الرئيسي",
    ],
    "zh-hans": ["自愿信托基金", "可用于承付", "未结承付款", "跳至主要内容"],
    "ru": [
        "Целевые фонды добровольных взносов",
        "Доступно для принятия обязательств",
        "Непогашенные обязательства",
        "Перейти к основному содержанию",
    ],
    "fr": [
        "Fonds d’affectation spéciale alimentés par des contributions volontaires",  # h1
        "Disponible pour engagement",
        "Engagements non réglés",
        "Aller au contenu principal",
    ],
    "es": [
        "Fondos fiduciarios de contribuciones voluntarias",
        "Disponible para compromisos",
        "Compromisos pendientes",
        "Ir al contenido principal",
    ],
}


@pytest.mark.parametrize("language", SITE_LANGUAGES)
def test_home_page_is_in_the_readers_language(client, fund, language):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}"' in html
    for words in HOME[language]:
        assert words in html, words
    assert "Voluntary trust funds" not in html
    assert "Available to commit" not in html


def test_home_page_stays_in_english_for_english_readers(client, fund):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html
    assert "Voluntary trust funds" in html
    assert "Available to commit" in html


def test_a_missing_exchange_rate_is_reported_in_french():
    with translation.override("fr"):
        message = str(MissingExchangeRate("EUR", datetime.date(2019, 3, 10)))
    assert "Aucun taux de change opérationnel de l’ONU" in message
    assert "EUR" in message and "2019-03-10" in message


def test_a_missing_exchange_rate_is_reported_in_spanish():
    with translation.override("es"):
        message = str(MissingExchangeRate("EUR", datetime.date(2019, 3, 10)))
    assert "tipo de cambio operacional de las Naciones Unidas" in message
    assert "EUR" in message and "2019-03-10" in message


def test_a_refusal_speaks_the_readers_language():
    with pytest.raises(PermissionDenied) as refused:
        require_role(AnonymousUser(), Role.AUDITOR)
    with translation.override("fr"):
        assert str(refused.value) == "Votre rôle ne vous permet pas d’effectuer cette opération."
    with translation.override("es"):
        assert str(refused.value) == "Su función no le permite realizar esta operación."


def test_an_import_error_speaks_the_readers_language():
    """Kept by code (fundmgr.sentences), an import's problem is written in the
    language of whoever reads it, not of whoever imported."""
    with translation.override("fr"), pytest.raises(ValueError) as bad:
        parse_date("31/03/2019")
    with translation.override("es"):
        assert str(bad.value) == "«31/03/2019» no es una fecha con el formato AAAA-MM-DD"
