"""What every blueprint resource shares: keyword construction with type checks, validate(), to_json().

Constructors take keyword arguments only. Unknown keywords and None values are ignored,
as layout scripts written for AWS rely on; a value of the wrong type raises TypeError.
Resources compare and hash by identity, so they can be keys of another entity's DependsOn.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    types: tuple[type, ...]
    required: bool = False
    choices: tuple[str, ...] | None = None


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


class BaseResource:
    FIELDS: dict[str, Field] = {}
    # Keyword spellings that set another field (Job takes description= for Description).
    ALIASES: dict[str, str] = {}

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            key = self.ALIASES.get(key, key)
            field = self.FIELDS.get(key)
            if field is None or value is None:
                continue
            # bool is an int in Python, but never a valid int field value here.
            if not isinstance(value, field.types) or (isinstance(value, bool) and bool not in field.types):
                raise TypeError(f"{type(self).__name__}.{key} must be {_type_names(field.types)}, got {type(value).__name__}")
            if field.choices and value not in field.choices:
                raise TypeError(f"{type(self).__name__}.{key} must be one of {', '.join(field.choices)}, got {value!r}")
            object.__setattr__(self, key, value)

    def __getattr__(self, name):
        # Fields that were not given read as None, like the attributes of AWS's resources.
        if name in type(self).FIELDS:
            return None
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def given(self) -> dict:
        return {key: self.__dict__[key] for key in self.FIELDS if key in self.__dict__}

    def validate(self) -> None:
        missing = [key for key, field in self.FIELDS.items() if field.required and key not in self.__dict__]
        if missing:
            raise TypeError(f"{type(self).__name__} is missing required fields: {', '.join(missing)}")

    def to_json(self) -> dict:
        def plain(value):
            if isinstance(value, BaseResource):
                return value.to_json()
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {(k.Name if isinstance(k, BaseResource) else k): plain(v) for k, v in value.items()}
            return value

        return {key: plain(value) for key, value in self.given().items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Name={self.__dict__.get('Name')!r})"
