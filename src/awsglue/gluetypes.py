"""Glue's own type names for a DynamicFrame's schema, as ``DynamicFrame.schema()`` and
``printSchema()`` show them (``long`` where Spark says ``bigint``, ``choice`` for a field of
several types), and their translation from Spark's types."""

from dataclasses import dataclass, field


class DataType:
    """A Glue type; ``typeName()`` is the name Glue prints."""

    name = "data"

    def typeName(self) -> str:  # noqa: N802 (AWS's name)
        return self.name

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _atomic(class_name: str, glue_name: str) -> type[DataType]:
    return type(class_name, (DataType,), {"name": glue_name, "__module__": __name__})


BinaryType = _atomic("BinaryType", "binary")
BooleanType = _atomic("BooleanType", "boolean")
ByteType = _atomic("ByteType", "byte")
DateType = _atomic("DateType", "date")
DoubleType = _atomic("DoubleType", "double")
FloatType = _atomic("FloatType", "float")
IntegerType = _atomic("IntegerType", "int")
LongType = _atomic("LongType", "long")
NullType = _atomic("NullType", "null")
ShortType = _atomic("ShortType", "short")
StringType = _atomic("StringType", "string")
TimestampType = _atomic("TimestampType", "timestamp")
UnknownType = _atomic("UnknownType", "unknown")


class DecimalType(DataType):
    name = "decimal"

    def __init__(self, precision: int = 10, scale: int = 2):
        self.precision, self.scale = precision, scale

    def __repr__(self) -> str:
        return f"DecimalType({self.precision}, {self.scale})"


class ArrayType(DataType):
    name = "array"

    def __init__(self, elementType: DataType):  # noqa: N803 (AWS's name)
        self.elementType = elementType

    def __repr__(self) -> str:
        return f"ArrayType({self.elementType!r})"


class MapType(DataType):
    name = "map"

    def __init__(self, valueType: DataType, keyType: DataType | None = None):  # noqa: N803 (AWS's names)
        self.keyType, self.valueType = keyType or StringType(), valueType

    def __repr__(self) -> str:
        return f"MapType({self.valueType!r})"


@dataclass(eq=True)
class Field:
    name: str
    dataType: DataType  # noqa: N815 (AWS's name)
    properties: dict = field(default_factory=dict)


class StructType(DataType):
    name = "struct"

    def __init__(self, fields: list[Field] | None = None):
        self.fields = list(fields or [])

    def __iter__(self):
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def getField(self, name: str) -> Field | None:  # noqa: N802 (AWS's name)
        return next((f for f in self.fields if f.name == name), None)

    def __repr__(self) -> str:
        return f"StructType([{', '.join(f'Field({f.name!r}, {f.dataType!r})' for f in self.fields)}])"


class ChoiceType(DataType):
    """A field whose records hold values of several types."""

    name = "choice"

    def __init__(self, choices: list[DataType]):
        self.choices = list(choices)

    def __repr__(self) -> str:
        return f"ChoiceType({self.choices!r})"


_ATOMIC_FROM_SPARK = {
    "BinaryType": BinaryType,
    "BooleanType": BooleanType,
    "ByteType": ByteType,
    "DateType": DateType,
    "DoubleType": DoubleType,
    "FloatType": FloatType,
    "IntegerType": IntegerType,
    "LongType": LongType,
    "NullType": NullType,
    "ShortType": ShortType,
    "StringType": StringType,
    "CharType": StringType,
    "VarcharType": StringType,
    "TimestampType": TimestampType,
    "TimestampNTZType": TimestampType,
}


def from_spark(spark_type) -> DataType:
    """The Glue type of a pyspark DataType (by class name, so pyspark is not needed here)."""
    kind = type(spark_type).__name__
    if kind in _ATOMIC_FROM_SPARK:
        return _ATOMIC_FROM_SPARK[kind]()
    if kind == "DecimalType":
        return DecimalType(spark_type.precision, spark_type.scale)
    if kind == "ArrayType":
        return ArrayType(from_spark(spark_type.elementType))
    if kind == "MapType":
        return MapType(from_spark(spark_type.valueType), from_spark(spark_type.keyType))
    if kind == "StructType":
        return StructType([Field(f.name, from_spark(f.dataType)) for f in spark_type.fields])
    return UnknownType()


def schema_lines(schema: StructType) -> list[str]:
    """``printSchema()``'s lines below ``root``: ``|-- name: type``, nested fields indented."""
    lines: list[str] = []

    def walk(data_type: DataType, depth: int) -> None:
        if isinstance(data_type, StructType):
            for f in data_type.fields:
                lines.append(f"{'|    ' * depth}|-- {f.name}: {f.dataType.typeName()}")
                walk(f.dataType, depth + 1)
        elif isinstance(data_type, ArrayType):
            lines.append(f"{'|    ' * depth}|-- element: {data_type.elementType.typeName()}")
            walk(data_type.elementType, depth + 1)
        elif isinstance(data_type, MapType):
            lines.append(f"{'|    ' * depth}|-- keyType: {data_type.keyType.typeName()}")
            lines.append(f"{'|    ' * depth}|-- valueType: {data_type.valueType.typeName()}")
            walk(data_type.valueType, depth + 1)

    walk(schema, 0)
    return lines


# Glue's names (and Hive's, which mappings also use) for Spark's cast targets.
_SPARK_NAMES = {"long": "bigint", "short": "smallint", "byte": "tinyint", "integer": "int", "decimal": "decimal(10,2)"}


def spark_type_name(glue_name: str) -> str:
    """The Spark SQL type a mapping's target type names (``long`` is ``bigint``...)."""
    name = glue_name.strip().lower()
    return _SPARK_NAMES.get(name, name)
