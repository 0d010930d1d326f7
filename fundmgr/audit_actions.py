"""What each audit record's action is called, in the reader's language.

The trail keeps an action as a code (``grant:certify``, ``rates:imported``):
a code never changes, so filters and exports made years apart agree. People
read its label: the audit trail's page, its action filter and its CSV file
show ``label(code)`` in the reader's language. Each app registers the labels
of the actions it records (from its ``AppConfig.ready()``; the core imports
no app); a code a family of codes shares the start of (``signed:<level>``)
is said by a function of the rest. A code nobody registered (a record
written by an older version) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_labels: dict[str, Promise] = {}
_families: dict[str, Callable[[str], str]] = {}


def define(code: str, text: Promise) -> str:
    """Register the label of the action ``code``; returns the code."""
    if code in _labels and _labels[code] is not text:
        raise ValueError(f"the audit action {code!r} already has a label")
    _labels[code] = text
    return code


def define_all(labels: dict[str, Promise]) -> None:
    for code, text in labels.items():
        define(code, text)


def define_family(prefix: str, shown: Callable[[str], str]) -> None:
    """Actions whose code is ``prefix`` and a value (``signed:`` and the
    approval level): ``shown(value)`` is the label."""
    _families[prefix] = shown


def label(code: str) -> str:
    """The action's label in the active language; an unknown code as it is."""
    found = _labels.get(code)
    if found is not None:
        return str(found)
    for prefix, shown in _families.items():
        if code.startswith(prefix) and len(code) > len(prefix):
            return shown(code[len(prefix) :])
    return code


def is_known(code: str) -> bool:
    return code in _labels or any(
        code.startswith(prefix) and len(code) > len(prefix) for prefix in _families
    )


# The core's actions (fundmgr.refusals, fundmgr.admin, fundmgr.people_audit,
# the accounts, the ledger, rates, imports and manual journals).
define_all(
    {
        "refused": _("Attempt refused"),
        "refused:throttled": _("Refused, and no more refusals recorded this hour"),
        "audit-trail:exported": _("Audit trail downloaded"),
        "admin:added": _("Added in the admin site"),
        "admin:changed": _("Changed in the admin site"),
        "admin:deleted": _("Deleted in the admin site"),
        "user:created": _("Person added"),
        "user:changed": _("Person changed"),
        "user:deleted": _("Person deleted"),
        "group:created": _("Role created"),
        "group:changed": _("Role changed"),
        "group:deleted": _("Role deleted"),
        "role:granted": _("Role granted"),
        "role:removed": _("Role removed"),
        "permission:granted": _("Permission granted"),
        "permission:removed": _("Permission removed"),
        "group:permission:granted": _("Permission granted to a role"),
        "group:permission:removed": _("Permission removed from a role"),
        "password-reset": _("Password reset"),
        "sign-in:failed": _("Sign-in failed"),
        "sign-in:locked-out": _("Sign-in locked out"),
        "sign-in:unlocked": _("Sign-in unlocked"),
        "sign-in:second-factor-refused": _("Second factor refused at sign-in"),
        "two-factor:enrolled": _("Two-step sign-in set up"),
        "two-factor:new-recovery-codes": _("New recovery codes made"),
        "fund:opened": _("Fund opened"),
        "event:created": _("Event created"),
        "ledger:posted": _("Journal entry posted"),
        "ledger:day-totals-rebuilt": _("Day totals rebuilt"),
        "manual-journal:proposed": _("Manual journal proposed"),
        "manual-journal:approved": _("Manual journal approved"),
        "manual-journal:rejected": _("Manual journal rejected"),
        "manual-journal:withdrawn": _("Manual journal withdrawn"),
        "rates:imported": _("Exchange rates imported"),
        "rates:replaced": _("Exchange rate replaced"),
        "rates:revised": _("Exchange rate revised"),
        "import:requested": _("Import requested"),
        "import:started": _("Import started"),
        "import:done": _("Import done"),
        "import:failed": _("Import failed"),
        "import:expired": _("Import's files removed"),
    }
)
define_family(
    "signed:",
    lambda level: str(_("Signed at the level “%(level)s”")) % {"level": level},
)
