"""Each staff member's own API tokens: create (the secret shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api import sentences
from api.forms import NewTokenForm
from api.models import ApiToken
from api.scopes import Scope, scopes_for
from api.services.tokens import create_token, revoke_token
from fundmgr.sentences import Sentence


@never_cache
@login_required
def tokens(request):
    """A person whose roles admit no scope (donors, focal points) has no tokens page."""
    allowed = scopes_for(request.user)
    if not allowed:
        raise PermissionDenied(Sentence(sentences.NO_USE_FOR_TOKENS))
    form = NewTokenForm(request.POST or None, allowed=allowed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = create_token(
                    request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    days=form.cleaned_data["days"],
                    by=request.user,
                )
            except ValidationError as invalid:
                for field, problems in invalid.message_dict.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                # Rendered, never redirected to: the secret exists only in this answer.
                return render(request, "api/token_created.html", {"new": new})
        status = 400
    labels = dict(Scope.choices)
    mine = list(ApiToken.objects.filter(owner=request.user))
    for token in mine:
        token.scope_labels = [labels.get(scope, scope) for scope in token.scopes]
    return render(request, "api/tokens.html", {"form": form, "tokens": mine}, status=status)


@login_required
@require_POST
def revoke(request, pk):
    """Only one's own token exists here: anyone else's is a 404."""
    token = get_object_or_404(ApiToken, pk=pk, owner=request.user)
    revoke_token(token, by=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api-tokens")
