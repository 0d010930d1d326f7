"""The menu's way to a fund's bank reconciliation and financial statement,
for those who read the books: the fund's page when there is one fund, else
the funds to choose from."""

from django.utils.translation import gettext as _

from fundmgr.roles import BOOK_READERS, role_required
from fundmgr.views_work import fund_pages


@role_required(*BOOK_READERS)
def bank(request):
    return fund_pages(request, "bank-reconciliation", _("Card payouts and bank"))


@role_required(*BOOK_READERS)
def statements(request):
    return fund_pages(request, "fund-statement", _("Financial statement"))
