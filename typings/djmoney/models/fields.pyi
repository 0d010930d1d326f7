# django-money's MoneyField subclasses DecimalField without annotations, so
# django-stubs would type its attribute as a Decimal. On a model instance it is
# a Money (djmoney's MoneyFieldProxy), and a Money may be assigned; in
# .values() and .values_list() it stays the Decimal of its column, as typed.
# Only what the project imports.
from decimal import Decimal
from typing import Any, Self, TypeVar, overload

from django.db.models import CharField, DecimalField, Model
from django.db.models.expressions import Combinable
from django.db.models.fields import _FieldDescriptor
from djmoney.money import Money

_ST = TypeVar("_ST", contravariant=True)
_GT = TypeVar("_GT", covariant=True)

class MoneyField(DecimalField[_ST, _GT]):
    _pyi_private_set_type: Money | Decimal | int | float | str | Combinable  # type: ignore[assignment]
    def __init__(
        self,
        verbose_name: Any = ...,
        name: str | None = ...,
        max_digits: int | None = ...,
        decimal_places: int | None = ...,
        default: Any = ...,
        default_currency: Any = ...,
        currency_choices: Any = ...,
        currency_max_length: int = ...,
        currency_field_name: str | None = ...,
        money_descriptor_class: Any = ...,
        **kwargs: Any,
    ) -> None: ...
    @overload  # type: ignore[override]
    def __get__(self, instance: None, owner: Any) -> _FieldDescriptor[Self]: ...
    @overload
    def __get__(self, instance: Model, owner: Any) -> Money: ...
    @overload
    def __get__(self, instance: Any, owner: Any) -> Self: ...

class CurrencyField(CharField[_ST, _GT]): ...
