# django-money's MoneyField subclasses DecimalField without annotations, so
# django-stubs would type its attribute as a Decimal. The attribute is a Money
# (djmoney's MoneyFieldProxy): this stub says so. Only what the project imports.
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import CharField, DecimalField
from django.db.models.expressions import Combinable
from djmoney.money import Money

_ST = TypeVar("_ST", contravariant=True)
_GT = TypeVar("_GT", covariant=True)

class MoneyField(DecimalField[_ST, _GT]):
    _pyi_private_set_type: Money | Decimal | int | float | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Money  # type: ignore[assignment]
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

class CurrencyField(CharField[_ST, _GT]): ...
