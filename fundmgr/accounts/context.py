from fundmgr.accounts.policy import is_staff_account


def two_factor_context(request):
    """Whether the menu offers the two-factor page (staff accounts only)."""
    user = getattr(request, "user", None)
    return {"offers_two_factor": user is not None and is_staff_account(user)}
