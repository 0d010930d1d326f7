"""The menu's way to the pledge register, for those who read the books:
the fund's register when there is one fund, else the funds to choose from."""

from django.utils.translation import gettext as _

from fundmgr.roles import BOOK_READERS, role_required
from fundmgr.views_work import fund_pages


@role_required(*BOOK_READERS)
def pledges(request):
    return fund_pages(request, "finance-register", _("Pledge register"))
