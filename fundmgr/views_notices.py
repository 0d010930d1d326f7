"""A person's own e-mail notifications: the language their e-mails are
written in and, per kind of notice their roles may receive, at once, in a
daily digest or never. Only ever their own (no id in the address); a
person whose roles receive no notice (the auditor) is refused. Thin: the
rules in fundmgr.services.notices."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from fundmgr.models import Delivery, NoticeSettings
from fundmgr.sentences import NO_NOTICES, Sentence
from fundmgr.services import notices


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of my e-mails"), choices=settings.LANGUAGES
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = [kind for kind in kinds if not kind.always]
        for kind in self.kinds:
            self.fields[f"kind-{kind.code}"] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices
            )

    def deliveries(self) -> dict[str, str]:
        return {kind.code: self.cleaned_data[f"kind-{kind.code}"] for kind in self.kinds}


def _initial(user, kinds) -> dict[str, str]:
    stored = NoticeSettings.objects.filter(user_id=user.pk).values_list("language", flat=True)
    language = notices.supported_language(next(iter(stored), None)) or notices.supported_language(
        translation.get_language()
    )
    chosen = notices.preferences_of(user)
    return {"language": language or settings.LANGUAGE_CODE} | {
        f"kind-{kind.code}": chosen[kind.code] for kind in kinds if not kind.always
    }


@never_cache
def preferences(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    kinds = notices.kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(Sentence(NO_NOTICES))
    status = 200
    if request.method == "POST":
        form = PreferencesForm(request.POST, kinds=kinds)
        if form.is_valid():
            try:
                notices.set_preferences(
                    request.user,
                    language=form.cleaned_data["language"],
                    deliveries=form.deliveries(),
                )
            except notices.PreferencesRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Your e-mail notifications are saved."))
                return redirect("notification-preferences")
        status = 400
    else:
        form = PreferencesForm(initial=_initial(request.user, kinds), kinds=kinds)
    return render(
        request,
        "notices/preferences.html",
        {"form": form, "always": [kind for kind in kinds if kind.always]},
        status=status,
    )
