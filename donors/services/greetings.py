"""Whom a letter or an e-mail about a pledge greets, and how.

A pledge may name a contact person (the one who signed the pledge letter, an
ambassador, a foundation's officer): letters and e-mails about it then greet
them ("Dear Ms Tanaka,", with the form of address or title in the reader's
language; "Your Excellency," for H.E.) and the PDF letters add "For the
attention of: Ms Keiko Tanaka". Without one, the donor is greeted by name as
before; with nobody to name (a receipt for a pledge nobody confirmed as the
donor's), "Dear Sir or Madam,". Every sentence goes through gettext, with
placeholders, so each language puts the title where it belongs (Chinese after
the name)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from donors.models import FormOfAddress, Pledge


@dataclass(frozen=True)
class Contact:
    """A contact person as typed: the name in full, the family name the
    greeting uses after a form of address (the full name when empty), and a
    form of address from the list or a title typed instead."""

    name: str
    family_name: str = ""
    form_of_address: str = ""
    title: str = ""

    @classmethod
    def of(cls, pledge: Pledge | None) -> Contact | None:
        if pledge is None or not pledge.contact_name:
            return None
        return cls(
            pledge.contact_name,
            pledge.contact_family_name,
            pledge.contact_form_of_address,
            pledge.contact_title,
        )

    def fields(self) -> dict[str, str]:
        """The pledge's columns."""
        return {
            "contact_name": self.name,
            "contact_family_name": self.family_name,
            "contact_form_of_address": self.form_of_address,
            "contact_title": self.title,
        }

    def honorific(self) -> str:
        """The form of address in the reader's language, or the title typed."""
        if self.form_of_address:
            return str(FormOfAddress(self.form_of_address).label)
        return self.title

    def addressed(self) -> str:
        """As an address line names them: "Ms Keiko Tanaka"."""
        if honorific := self.honorific():
            return _("%(title)s %(name)s") % {"title": honorific, "name": self.name}
        return self.name


def salutation(contact: Contact | None, name: str = "") -> str:
    """The greeting: the contact person's, else ``name`` (the donor's), else
    "Dear Sir or Madam,"."""
    if contact is None:
        return _("Dear %(name)s,") % {"name": name} if name else _("Dear Sir or Madam,")
    if contact.form_of_address == FormOfAddress.EXCELLENCY:
        return _("Your Excellency,")
    if honorific := contact.honorific():
        return _("Dear %(title)s %(name)s,") % {
            "title": honorific,
            "name": contact.family_name or contact.name,
        }
    return _("Dear %(name)s,") % {"name": contact.name}


def pledge_salutation(pledge: Pledge, name: str = "") -> str:
    """The greeting of a letter or e-mail about ``pledge``, whose donor is
    called ``name`` where it is addressed (empty: nobody to name)."""
    return salutation(Contact.of(pledge), name)
