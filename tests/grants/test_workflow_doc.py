"""docs/grants-workflow.md shows the state machine the code declares.

The table between the markers is ``grants.workflow.transitions_markdown()``.
``FUNDMGR_UPDATE_DOCS=1`` rewrites it from the code instead of failing."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings

from grants.workflow import TRANSITIONS, transitions_markdown

DOC = Path(settings.BASE_DIR) / "docs" / "grants-workflow.md"
TABLE = re.compile(r"(<!-- transitions:start -->\n)(.*?)(<!-- transitions:end -->)", re.DOTALL)


def test_the_docs_table_is_the_one_the_code_renders():
    text = DOC.read_text(encoding="utf-8")
    match = TABLE.search(text)
    assert match, f"{DOC} lost its <!-- transitions:start/end --> markers"
    rendered = transitions_markdown()
    if os.environ.get("FUNDMGR_UPDATE_DOCS") and match.group(2) != rendered:
        DOC.write_text(text[: match.start(2)] + rendered + text[match.end(2) :], encoding="utf-8")
        return
    assert match.group(2) == rendered, (
        "docs/grants-workflow.md is out of date: run "
        "FUNDMGR_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/grants/test_workflow_doc.py"
    )


def test_the_table_has_a_row_per_transition():
    rows = [line for line in transitions_markdown().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [t.action for t in TRANSITIONS]
