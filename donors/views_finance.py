"""Finance staff's pages for donors' money: the pledge register, imports of
pledge registers and bank statements, the queue of unmatched bank lines,
receipts recorded by hand, one pledge with its acknowledgement letters, and
the finance officer's decisions on it (binding after the fact, cancelled).
Finance officers and administrators act; the auditor and fund officers read."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from donors import sentences
from donors.forms import StatementUploadForm
from donors.import_jobs import (
    register_message,
    register_summary,
    statement_message,
    statement_summary,
)
from donors.models import BankLine, BankStatement, Donor, DonorKind, Pledge, Receipt
from donors.queries import queue_suggestions
from donors.services import letters
from donors.services.bank_statements import BankLineError, import_bank_statement, resolve_line
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from donors.services.pledge_register import import_pledge_register
from donors.services.pledges import (
    PledgeChange,
    PledgeError,
    cancel_pledge,
    confirm_pledge,
    create_donor,
    find_pledge,
    mark_binding,
    redate_pledge,
    release_pledge,
)
from donors.services.receipts import ReceiptError, record_receipt
from donors.views_account import pdf_response
from fundmgr import once
from fundmgr.db.exact_sum import ExactSum
from fundmgr.downloads import private_download
from fundmgr.formatting import country_choices
from fundmgr.models import Country, Fund, ImportJob, JournalEntry
from fundmgr.models.ledger import source_type_is
from fundmgr.money import Money
from fundmgr.roles import BOOK_READERS, ROLE_REFUSED, Role, has_role, role_required
from fundmgr.sentences import Sentence
from fundmgr.services import imports
from fundmgr.services.rates import currencies_with_rates
from fundmgr.tabular import FileRejected
from fundmgr.uploads import UploadForm

FINANCE = (Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
#: Who decides that a pledge became binding or is cancelled: revenue and
#: receivables are the finance officer's alone (not the administrator's).
PLEDGE_DECIDERS = (Role.FINANCE_OFFICER,)
PAGE_SIZE = 50


def _fund(code: str) -> Fund:
    return get_object_or_404(Fund, code=code)


@role_required(*BOOK_READERS)
def register(request, code):
    """The pledge register: every pledge with what is still owed, fixed queries."""
    fund = _fund(code)
    showing_held = request.GET.get("show") == "held"
    held = Pledge.objects.filter(fund=fund, held_for_review=True).exclude(
        status=Pledge.Status.CANCELLED
    )
    pledges = (
        (held if showing_held else Pledge.objects.filter(fund=fund))
        .select_related("donor", "appeal")
        .annotate(paid=ExactSum("receipts__applied"))
        .order_by("-pledge_date", "-id")
    )
    page = Paginator(pledges, PAGE_SIZE).get_page(request.GET.get("page"))
    statements = BankStatement.objects.filter(fund=fund).order_by("-imported_at")[:10]
    return render(
        request,
        "donors/finance/register.html",
        {
            "fund": fund,
            "page": page,
            "statements": statements,
            "waiting": BankLine.objects.filter(fund=fund).waiting().count(),
            "held": held.count(),
            "showing_held": showing_held,
            "can_act": has_role(request.user, *FINANCE),
        },
    )


def _upload(request, fund, kind, importer, page, success, form_class=UploadForm):
    """A small file is imported here and now; a larger one becomes a
    background job, whose page follows it (fundmgr.services.imports). The
    auditor reads the page (its recent imports) without the form; posts: 403."""
    can_upload = has_role(request.user, *FINANCE)
    if request.method == "POST" and not can_upload:
        raise PermissionDenied(Sentence(ROLE_REFUSED))
    form = form_class(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if not imports.runs_inline(upload):
            job = imports.request_import(kind, [upload], fund=fund, by=request.user)
            messages.info(
                request, _("%(name)s is being imported in the background.") % {"name": upload.name}
            )
            return redirect("import-job", pk=job.pk)
        try:
            result = importer(upload, fund, request.user, name=upload.name)
        except FileRejected as error:
            rejected = error
        else:
            return success(upload, result)
    return render(
        request,
        "donors/finance/upload.html",
        {
            "fund": fund,
            "form": form,
            "rejected": rejected,
            "jobs": ImportJob.objects.recent_for(kind, fund=fund),
            "can_upload": can_upload,
            **page,
        },
    )


@role_required(*FINANCE, Role.AUDITOR)  # the auditor reads, never posts (_upload)
def import_register(request, code):
    fund = _fund(code)

    def done(upload, result):
        messages.success(request, register_message(upload.name, register_summary(result)))
        return redirect("finance-register", code=fund.code)

    page = {"title": _("Import a pledge register"), "columns": ", ".join(REGISTER_COLUMNS)}
    return _upload(
        request, fund, ImportJob.Kind.PLEDGE_REGISTER, import_pledge_register, page, done
    )


@role_required(*FINANCE, Role.AUDITOR)  # the auditor reads, never posts (_upload)
def import_statement(request, code):
    fund = _fund(code)

    def done(upload, result):
        messages.success(request, statement_message(upload.name, statement_summary(result)))
        return redirect("finance-statement", code=fund.code, pk=result.statement.pk)

    page = {
        "title": _("Import a bank statement"),
        "columns": "value_date, amount, currency, reference, counterparty, bank_ref",
        "bank_formats": True,
    }
    return _upload(
        request,
        fund,
        ImportJob.Kind.BANK_STATEMENT,
        import_bank_statement,
        page,
        done,
        form_class=StatementUploadForm,
    )


@role_required(*BOOK_READERS)
def statement(request, code, pk):
    fund = _fund(code)
    statement = get_object_or_404(BankStatement, fund=fund, pk=pk)
    lines = BankLine.objects.filter(statement=statement).for_table().order_by("line_number")
    page = Paginator(lines, PAGE_SIZE * 4).get_page(request.GET.get("page"))
    return render(
        request,
        "donors/finance/statement.html",
        {"fund": fund, "statement": statement, "page": page},
    )


@role_required(*BOOK_READERS)
def pledge_letter(request, code, reference):
    """The pledge letter a donor uploaded: kept out of the web root, served
    only to those who read the fund's books."""
    pledge = get_object_or_404(Pledge, fund__code=code, reference=reference)
    if not pledge.letter:
        raise Http404
    return private_download(pledge.letter.open("rb"), f"{pledge.reference}.pdf", "application/pdf")


class ResolveForm(forms.Form):
    pledge_reference = forms.CharField(
        label=gettext_lazy("Pledge reference"), required=False, max_length=40
    )
    donor_email = forms.EmailField(label=gettext_lazy("or donor's e-mail"), required=False)
    discard_reason = forms.CharField(
        label=gettext_lazy("or discard, because"), required=False, max_length=300
    )
    without_pledge = forms.BooleanField(
        label=gettext_lazy("To the donor without a pledge (a contribution)"),
        required=False,
        help_text=gettext_lazy(
            "Otherwise money for a donor pays their open pledges in its currency, oldest due first."
        ),
    )


class RedateForm(forms.Form):
    """Move the quoted pledge's date back to the line's value date, then settle."""

    pledge = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(label=gettext_lazy("Why (for the audit trail)"), max_length=300)


class NewDonorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of donor"), choices=DonorKind.choices)
    # A code picked from one list shared by the page's forms (queue.html's
    # datalist), not a select of every country repeated on every line.
    country = forms.CharField(
        label=gettext_lazy("Country (ISO code)"),
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"list": "country-codes", "size": 4}),
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"))

    def clean_country(self) -> Country | None:
        code = self.cleaned_data["country"].strip().upper()
        if not code:
            return None
        country = Country.objects.filter(iso2=code).first()
        if country is None:
            raise forms.ValidationError(
                _("“%(code)s” is not a country's ISO code; pick one from the list.")
                % {"code": code}
            )
        return country


def _countries() -> list[tuple[str, str]]:
    """The countries for the page's one list of codes, named and sorted in
    the reader's language."""
    return country_choices(Country.objects.values_list("iso2", "name"))


@role_required(*BOOK_READERS)
def queue(request, code):
    """Bank lines waiting for a person: assign to a pledge or donor, or discard."""
    fund = _fund(code)
    lines = BankLine.objects.filter(fund=fund).waiting().for_table().order_by("value_date", "id")
    if request.method == "POST":
        if not has_role(request.user, *FINANCE):
            return render(request, "403.html", status=403)
        line = get_object_or_404(lines, pk=request.POST.get("line"))
        form = ResolveForm(request.POST, prefix=f"line{line.pk}")
        if form.is_valid():
            data = form.cleaned_data
            pledge = donor = None
            if data["pledge_reference"]:
                pledge = find_pledge(fund, data["pledge_reference"])
                if pledge is None:
                    messages.error(
                        request,
                        _(
                            "No pledge of this fund has that reference: check it in the pledge "
                            "register, or assign the line to the donor by e-mail."
                        ),
                    )
                    return redirect("finance-queue", code=fund.code)
                donor = pledge.donor
            elif data["donor_email"]:
                donor = Donor.objects.filter(email__iexact=data["donor_email"]).first()
                if donor is None:
                    messages.error(
                        request,
                        _(
                            "No donor has that e-mail address: record them with “New donor” "
                            "on this line."
                        ),
                    )
                    return redirect("finance-queue", code=fund.code)
            try:
                with once.recording(request):
                    resolve_line(
                        line,
                        request.user,
                        pledge=pledge,
                        donor=donor,
                        discard_reason=data["discard_reason"],
                        without_pledge=data["without_pledge"],
                    )
            except (BankLineError, ReceiptError, LookupError) as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("Line %(line)d settled.") % {"line": line.line_number})
        return redirect("finance-queue", code=fund.code)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    can_act = has_role(request.user, *FINANCE)
    suggestions = queue_suggestions(fund, list(page))
    countries = _countries() if can_act else []
    rows = [
        (
            line,
            ResolveForm(prefix=f"line{line.pk}"),
            suggestions.get(line.pk, []),
            NewDonorForm(auto_id=f"id_donor{line.pk}_%s") if can_act else None,
        )
        for line in page
    ]
    return render(
        request,
        "donors/finance/queue.html",
        {
            "fund": fund,
            "page": page,
            "rows": rows,
            "can_act": can_act,
            "can_redate": has_role(request.user, *PLEDGE_DECIDERS),
            "countries": countries,
        },
    )


def _fund_line(fund: Fund, pk: int) -> BankLine:
    """A line of the fund, waiting or not: a second click on a settled line
    is told by the service that nothing changed, not given a 404."""
    return get_object_or_404(BankLine, fund=fund, pk=pk)


@role_required(*PLEDGE_DECIDERS)
@require_POST
def queue_redate(request, code, pk):
    """Money dated before the pledge it quotes: the pledge's date moves back
    to the line's value date and the line is settled on it, both or neither.
    Moving a pledge's date is the finance officer's (revenue's date)."""
    fund = _fund(code)
    line = _fund_line(fund, pk)
    form = RedateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the pledge's date moves, for the audit trail."))
        return redirect("finance-queue", code=fund.code)
    pledge = get_object_or_404(Pledge, fund=fund, reference=form.cleaned_data["pledge"])
    try:
        with once.recording(request):
            change = redate_pledge(
                pledge, line.value_date, form.cleaned_data["reason"], request.user
            )
            resolve_line(line, request.user, pledge=change.pledge)
    except (PledgeError, BankLineError, ReceiptError, LookupError) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Pledge %(reference)s is now dated %(date)s and line %(line)d is settled on it.")
            % {"reference": pledge.reference, "date": line.value_date, "line": line.line_number},
        )
    return redirect("finance-queue", code=fund.code)


@role_required(*FINANCE)
@require_POST
def queue_new_donor(request, code, pk):
    """A line from someone not yet a donor: record them, then assign the line."""
    fund = _fund(code)
    line = _fund_line(fund, pk)
    form = NewDonorForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(
            request, _("The donor was not recorded: %(problems)s") % {"problems": problems}
        )
        return redirect("finance-queue", code=fund.code)
    data = form.cleaned_data
    try:
        with once.recording(request):
            donor = create_donor(
                name=data["name"],
                kind=data["kind"],
                email=data["email"],
                country=data["country"],
                by=request.user,
                why=Sentence(sentences.FROM_BANK_LINE, {"line": line.line_number}),
            )
            resolve_line(line, request.user, donor=donor)
    except (PledgeError, BankLineError, ReceiptError, LookupError) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Donor %(name)s recorded and line %(line)d assigned to them.")
            % {"name": donor.name, "line": line.line_number},
        )
    return redirect("finance-queue", code=fund.code)


class ReceiptForm(forms.Form):
    pledge_reference = forms.CharField(label=gettext_lazy("Pledge reference"), max_length=40)
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=17, decimal_places=3)
    currency = forms.ChoiceField(label=gettext_lazy("Currency"))
    value_date = forms.DateField(
        label=gettext_lazy("Value date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bank_reference = forms.CharField(
        label=gettext_lazy("Bank reference"), max_length=100, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies_with_rates()]


@role_required(*FINANCE)
def new_receipt(request, code):
    """A receipt recorded by hand, for a pledge, at the value date's rate."""
    fund = _fund(code)
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pledge = find_pledge(fund, data["pledge_reference"])
        if pledge is None:
            form.add_error("pledge_reference", _("No pledge of this fund has that reference."))
        else:
            try:
                with once.recording(request):
                    receipt = record_receipt(
                        fund=fund,
                        donor=pledge.donor,
                        pledge=pledge,
                        amount=Money(data["amount"], data["currency"]),
                        value_date=data["value_date"],
                        by=request.user,
                        external_reference=data["bank_reference"],
                    )
            except (ReceiptError, LookupError, ValueError) as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Receipt %(number)s recorded.") % {"number": receipt.number},
                )
                return redirect("finance-register", code=fund.code)
    return render(request, "donors/finance/new_receipt.html", {"fund": fund, "form": form})


# -- one pledge: its letters, and the finance officer's decisions on it ------------


class BindingForm(forms.Form):
    signed_on = forms.DateField(
        label=gettext_lazy("Agreement signed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=gettext_lazy("Agreement reference or note"), required=False, max_length=300
    )

    def clean_signed_on(self):
        day = self.cleaned_data["signed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The agreement cannot be signed in the future."))
        return day


class PledgeDateForm(forms.Form):
    pledge_date = forms.DateField(
        label=gettext_lazy("New pledge date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=gettext_lazy("Why (for the audit trail)"), max_length=300)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the pledge cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _pledge(code: str, reference: str) -> Pledge:
    return get_object_or_404(
        Pledge.objects.select_related("fund", "donor__country", "appeal"),
        fund__code=code,
        reference=reference,
    )


def _pledge_entries(pledge: Pledge, receipts: list[Receipt]) -> list[JournalEntry]:
    """The ledger entries of a pledge: its booking, the booking's reversal or
    the write-down on cancellation, and its receipts. One query."""
    # Everything posted for the pledge: its bookings (one per date it had),
    # their reversals, its write-down, and receipts posted against it.
    wanted = Q(source_id=pledge.pk, **source_type_is(Pledge))
    wanted |= Q(pk__in=[r.entry_id for r in receipts])
    if pledge.receivable_entry_id:
        wanted |= Q(reverses_id=pledge.receivable_entry_id)
    return list(JournalEntry.objects.filter(wanted, fund=pledge.fund).order_by("date", "id"))


def _pledge_page(
    request, pledge, *, binding_form=None, cancel_form=None, date_form=None, status=200
):
    receipts = list(pledge.receipts.order_by("value_date", "id"))
    paid = sum((r.applied for r in receipts), Decimal(0))
    can_decide = has_role(request.user, *PLEDGE_DECIDERS)
    still_open = pledge.status != Pledge.Status.CANCELLED
    binding_form = binding_form or BindingForm(initial={"signed_on": timezone.localdate()})
    return render(
        request,
        "donors/finance/pledge.html",
        {
            "fund": pledge.fund,
            "pledge": pledge,
            "instalments": pledge.instalments.all(),
            "receipts": receipts,
            "entries": _pledge_entries(pledge, receipts),
            "unpaid": pledge.amount.amount - paid if still_open else Decimal(0),
            "can_mark_binding": (
                can_decide and still_open and not pledge.agreement_signed and not receipts
            ),
            "can_cancel": can_decide and still_open and paid < pledge.amount.amount,
            "can_attach": can_decide and still_open and not pledge.confirmed,
            "can_release": can_decide and still_open and pledge.held_for_review,
            "can_redate": can_decide and still_open and not receipts,
            "date_form": date_form or PledgeDateForm(initial={"pledge_date": pledge.pledge_date}),
            "decision_form": DecisionForm(),
            "binding_form": binding_form
            or BindingForm(initial={"signed_on": timezone.localdate()}),
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )


@role_required(*BOOK_READERS)
def pledge_detail(request, code, reference):
    """One pledge: what was promised, what came in, its ledger entries, its
    letters; for the finance officer, marking it binding or cancelling it."""
    return _pledge_page(request, _pledge(code, reference))


@role_required(*PLEDGE_DECIDERS)
@require_POST
def pledge_mark_binding(request, code, reference):
    """The agreement was signed: revenue and receivable at the pledge date's rate."""
    pledge = _pledge(code, reference)
    form = BindingForm(request.POST)
    if not form.is_valid():
        return _pledge_page(request, pledge, binding_form=form, status=400)
    try:
        change = mark_binding(
            pledge,
            request.user,
            signed_on=form.cleaned_data["signed_on"],
            note=form.cleaned_data["note"],
        )
    except PledgeError as refused:
        messages.error(request, str(refused))
    else:
        if change.changed:
            messages.success(
                request,
                _("Pledge %(reference)s is binding: receivable and revenue booked.")
                % {"reference": pledge.reference},
            )
        else:
            messages.info(
                request,
                _("Pledge %(reference)s was already binding: nothing changed.")
                % {"reference": pledge.reference},
            )
    return redirect("finance-pledge", code=pledge.fund.code, reference=pledge.reference)


@role_required(*PLEDGE_DECIDERS)
@require_POST
def pledge_cancel(request, code, reference):
    """Cancel what is unpaid on a pledge, with the reason."""
    pledge = _pledge(code, reference)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _pledge_page(request, pledge, cancel_form=form, status=400)
    try:
        change = cancel_pledge(pledge, request.user, reason=form.cleaned_data["reason"])
    except PledgeError as refused:
        messages.error(request, str(refused))
    else:
        if change.changed:
            messages.success(
                request,
                _("Pledge %(reference)s is cancelled.") % {"reference": pledge.reference},
            )
        else:
            messages.info(
                request,
                _("Pledge %(reference)s was already cancelled: nothing changed.")
                % {"reference": pledge.reference},
            )
    return redirect("finance-pledge", code=pledge.fund.code, reference=pledge.reference)


@role_required(*PLEDGE_DECIDERS)
@require_POST
def pledge_redate(request, code, reference):
    """Move the pledge's date (e.g. back to money that arrived before it)."""
    pledge = _pledge(code, reference)
    form = PledgeDateForm(request.POST)
    if not form.is_valid():
        return _pledge_page(request, pledge, date_form=form, status=400)
    try:
        change = redate_pledge(
            pledge, form.cleaned_data["pledge_date"], form.cleaned_data["reason"], request.user
        )
    except PledgeError as refused:
        messages.error(request, str(refused))
    else:
        message = (
            _("Pledge %(reference)s is now dated %(date)s.")
            if change.changed
            else _("Pledge %(reference)s was already dated %(date)s: nothing changed.")
        )
        messages.success(
            request, message % {"reference": pledge.reference, "date": change.pledge.pledge_date}
        )
    return redirect("finance-pledge", code=pledge.fund.code, reference=pledge.reference)


class DecisionForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Why (for the audit trail)"), max_length=300)


def _decide(request, code, reference, act, done: str, already: str):
    """One finance decision on a pledge, with its reason, audited by the service."""
    pledge = _pledge(code, reference)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why, for the audit trail."))
    else:
        try:
            change: PledgeChange = act(pledge, request.user, form.cleaned_data["note"])
        except PledgeError as refused:
            messages.error(request, str(refused))
        else:
            message = done if change.changed else already
            messages.success(request, message % {"reference": pledge.reference})
    return redirect("finance-pledge", code=pledge.fund.code, reference=pledge.reference)


@role_required(*PLEDGE_DECIDERS)
@require_POST
def pledge_attach(request, code, reference):
    """Finance files a pledge made on the public form under the donor whose
    address it gave (e.g. the donor confirmed it by letter or telephone)."""
    return _decide(
        request,
        code,
        reference,
        lambda pledge, by, note: confirm_pledge(pledge, by, how=f"attached by finance: {note}"),
        _("Pledge %(reference)s is now its donor's."),
        _("Pledge %(reference)s was already its donor's: nothing changed."),
    )


@role_required(*PLEDGE_DECIDERS)
@require_POST
def pledge_release(request, code, reference):
    """Finance has reviewed a pledge held for its size: it counts publicly."""
    return _decide(
        request,
        code,
        reference,
        lambda pledge, by, note: release_pledge(pledge, by, note=note),
        _("Pledge %(reference)s is released: it counts on the appeal page."),
        _("Pledge %(reference)s was not held: nothing changed."),
    )


@never_cache
@role_required(*BOOK_READERS)
def pledge_acknowledgement_pdf(request, code, reference):
    """The donor's acknowledgement of a pledge, as the donor downloads it."""
    pledge = _pledge(code, reference)
    return pdf_response(letters.pledge_letter(pledge), f"acknowledgement-{pledge.reference}.pdf")


@never_cache
@role_required(*BOOK_READERS)
def receipt_acknowledgement_pdf(request, code, number):
    """The donor's acknowledgement of a receipt, as the donor downloads it."""
    receipt = get_object_or_404(
        Receipt.objects.select_related("fund", "pledge", "donor__country"),
        fund__code=code,
        number=number,
    )
    return pdf_response(letters.receipt_letter(receipt), f"acknowledgement-{receipt.number}.pdf")
