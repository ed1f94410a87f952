"""CreateTable's OpenTableFormatInput: an Apache Iceberg table as Glue keeps it in the catalog.

Glue marks such a table with the parameters Iceberg's own Glue catalog uses: table_type
ICEBERG and metadata_location, the table's current metadata file under <location>/metadata/.
Its columns come from the Iceberg schema, with the field ids Iceberg tracks them by.
"""

import uuid

import orjson

from ..protocol import errors


def _column(field: dict) -> dict:
    kind = field["Type"]
    column = {
        "Name": field["Name"],
        "Type": kind if isinstance(kind, str) else orjson.dumps(kind).decode(),
        "Parameters": {
            "iceberg.field.id": str(field["Id"]),
            "iceberg.field.optional": "false" if field["Required"] else "true",
            "iceberg.field.current": "true",
        },
    }
    if "Doc" in field:
        column["Comment"] = field["Doc"]
    return column


def iceberg_table(given: dict, open_format: dict) -> dict:
    """The TableInput of an Iceberg table created through OpenTableFormatInput."""
    iceberg = open_format.get("IcebergInput")
    if iceberg is None:
        raise errors.InvalidInputException("OpenTableFormatInput needs an IcebergInput.")
    create = iceberg.get("CreateIcebergTableInput") or {}
    storage = dict(given.get("StorageDescriptor") or {})
    location = create.get("Location") or storage.get("Location")
    if not location:
        raise errors.InvalidInputException("An Iceberg table needs a location: give CreateIcebergTableInput.Location.")
    storage["Location"] = location
    if "Schema" in create and not storage.get("Columns"):
        storage["Columns"] = [_column(f) for f in create["Schema"]["Fields"]]
    metadata = f"{location.rstrip('/')}/metadata/00000-{uuid.uuid4()}.metadata.json"
    parameters = {
        **(given.get("Parameters") or {}),
        **(create.get("Properties") or {}),
        "table_type": "ICEBERG",
        "metadata_location": metadata,
    }
    return {**given, "TableType": "EXTERNAL_TABLE", "StorageDescriptor": storage, "Parameters": parameters}
