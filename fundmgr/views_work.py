"""The "My work" page (fundmgr.work) and the menu's way to a fund's pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from fundmgr import extensions, work
from fundmgr.models import Fund
from fundmgr.roles import role_labels, roles_of


@never_cache
@login_required
def my_work(request):
    """A section per role the person holds, each with its counts and the
    lists where the work is done; where people land after signing in."""
    return render(
        request,
        "work/page.html",
        {
            "sections": work.sections_for(request.user),
            "roles_without_work": _roles_without_work(request.user),
        },
    )


def _roles_without_work(user) -> list[str]:
    with_work = {part.role for part in extensions.work()}
    return role_labels(roles_of(user) - with_work)


def fund_pages(request, url_name: str, title: str):
    """The menu's entry to a page each fund has (its pledges, its bank...):
    the fund's page itself when there is one fund, else the funds to choose
    from. The calling app's view checks the role first."""
    funds = list(Fund.objects.order_by("code").only("code", "name", "name_i18n"))
    if len(funds) == 1:
        return redirect(url_name, funds[0].code)
    links = [(fund, reverse(url_name, args=[fund.code])) for fund in funds]
    return render(request, "work/choose_fund.html", {"links": links, "title": title})
