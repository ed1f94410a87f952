"""What every blueprint resource shares: keyword construction with type checks, validate(), to_json().

Layout scripts written for AWS rely on the exact behaviour of AWS's layout library, so this
module follows it: ``ensure_type`` raises ``TypeError("Value <v> for key <k> should be of type
<types>!")``; an int is not a float, a bool is an int; keywords a class does not know are
ignored. Resources compare and hash by identity, so they can be keys of another's DependsOn.
"""

from enum import Enum


class ValueEnum(Enum):
    """The library's enums: ``has_value`` says whether a plain value is one of them."""

    @classmethod
    def has_value(cls, value) -> bool:
        return any(member.value == value for member in cls)


def ensure_type(key, value, types):
    """The value, when it is None or an instance of types; else the library's TypeError."""
    if value is None or isinstance(value, types):
        return value
    raise TypeError(f"Value {value} for key {key} should be of type {types}!")


def ensure_choice(key, value, choices) -> None:
    """An enum-valued field: the value must be one of the enum's values."""
    if not choices.has_value(value):
        raise TypeError(f"Value {value} for key {key} should be one of {[c.value for c in choices]}!")


class BaseResource:
    # name -> (type, required); the keyword arguments a class reads, in this order.
    FIELDS: dict[str, tuple[type, bool]] = {}
    # Job and Crawler silently drop falsy values (None, 0, "", {}, []); Workflow keeps them.
    DROP_FALSY = True

    def __init__(self, **kwargs):
        for key in self.FIELDS:
            setattr(self, key, kwargs.get(key))

    def __setattr__(self, key, value):
        if key in self.FIELDS:
            if self.DROP_FALSY and not value:
                return
            ensure_type(key, value, self.FIELDS[key][0])
        object.__setattr__(self, key, value)

    def _missing_fields(self) -> list[str]:
        return [key for key, (_, required) in self.FIELDS.items() if required and key not in self.__dict__]

    def validate(self) -> bool:
        missing = self._missing_fields()
        if missing:
            raise TypeError(f"Required Fields for {type(self).__name__} were missing: {missing}")
        return True

    def to_json(self) -> dict:
        return {key: self.__dict__[key] for key in self.FIELDS if key in self.__dict__}


def check_nested(cls, key, value) -> None:
    """A dict-valued field that has its own class (Command, Targets, ...): check it as one."""
    if value is not None:
        cls(**value).validate()
