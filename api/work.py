"""What awaits an administrator in the API on the "My work" page
(fundmgr.work): personal tokens that stop working soon, one query."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from fundmgr.roles import Role
from fundmgr.work import WorkItem, admin_list

#: A token expiring within this many days is counted: its owner makes a new one
#: (the admin site lists them by expiry, with their owners).
EXPIRING_WITHIN = datetime.timedelta(days=14)


def tokens_expiring(user) -> list[WorkItem]:
    soon = ApiToken.objects.usable().filter(expires_at__lte=timezone.now() + EXPIRING_WITHIN)
    # The admin list sorted by its "expires" column (the fifth), soonest first.
    return [
        WorkItem(
            _("API tokens expiring within 14 days"),
            soon.count(),
            admin_list(user, ApiToken, "?revoked_at__isnull=True&o=5"),
        )
    ]


def register() -> None:
    from fundmgr import extensions

    extensions.add_work("api.tokens", Role.ADMINISTRATOR, 40, tokens_expiring)
