"""Glue's transform classes (AWS Glue developer guide, "PySpark transforms reference"): each
is called as ``Transform.apply(frame=..., ...)`` or ``Transform()(frame, ...)`` and does what
the DynamicFrame method of the same name does."""

from .transform import (
    ApplyMapping,
    DropFields,
    DropNullFields,
    Filter,
    GlueTransform,
    Join,
    Map,
    Relationalize,
    RenameField,
    ResolveChoice,
    SelectFields,
)

__all__ = [
    "ApplyMapping",
    "DropFields",
    "DropNullFields",
    "Filter",
    "GlueTransform",
    "Join",
    "Map",
    "Relationalize",
    "RenameField",
    "ResolveChoice",
    "SelectFields",
]
