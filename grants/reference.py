"""The default approval chain: a fund officer certifies, an approving officer
approves. Data, not code: a deployment can add or change levels."""

DEFAULT_LEVELS = (
    (1, "certify", "Certified by the fund officer", "fund_officer"),
    (2, "approve", "Approved by the approving officer", "approving_officer"),
)


def load_approval_levels(ApprovalLevel) -> int:
    """Create the default levels if no level exists yet; returns how many were made."""
    if ApprovalLevel.objects.exists():
        return 0
    ApprovalLevel.objects.bulk_create(
        ApprovalLevel(order=order, code=code, label=label, role=role)
        for order, code, label, role in DEFAULT_LEVELS
    )
    return len(DEFAULT_LEVELS)
