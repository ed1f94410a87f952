"""A Data Catalog's encryption settings: GetDataCatalogEncryptionSettings and
PutDataCatalogEncryptionSettings (API reference; developer guide, "Encrypting your Data
Catalog", "Encrypting connection passwords").

One document of kind "catalog_encrypt" per catalog id (the caller's account when the
request names none). A put replaces the whole settings: a part it leaves out is off again.
The settings are kept and answered; nothing here is encrypted with them.
"""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..store import entities as store
from .catalog_common import catalog_id
from .registry import operation

KIND = "catalog_encrypt"

# What a catalog whose settings were never put answers.
_OFF = {
    "EncryptionAtRest": {"CatalogEncryptionMode": "DISABLED"},
    "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": False},
}
# The key AWS shows for password encryption turned on without one: its AWS managed key for Glue.
_GLUE_MANAGED_KEY = "alias/aws/glue"


def _settings(given: dict) -> dict:
    settings = {**_OFF, **given}
    passwords = settings["ConnectionPasswordEncryption"]
    if passwords["ReturnConnectionPasswordEncrypted"] and not passwords.get("AwsKmsKeyId"):
        settings["ConnectionPasswordEncryption"] = {**passwords, "AwsKmsKeyId": _GLUE_MANAGED_KEY}
    return settings


@operation("GetDataCatalogEncryptionSettings", read_only=True)
def get_data_catalog_encryption_settings(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        doc = store.get(conn, KIND, catalog_id(ctx, p))
    return {"DataCatalogEncryptionSettings": doc if doc is not None else _OFF}


@operation("PutDataCatalogEncryptionSettings")
def put_data_catalog_encryption_settings(ctx: ServiceContext, p: dict) -> dict:
    catalog, doc = catalog_id(ctx, p), _settings(p["DataCatalogEncryptionSettings"])
    try:
        with ctx.db.write() as conn:
            if not store.replace(conn, KIND, catalog, doc):
                store.add(conn, KIND, catalog, doc, ctx.clock())
    except IntegrityError:  # another put made the catalog's first settings meanwhile; this one is later
        with ctx.db.write() as conn:
            store.replace(conn, KIND, catalog, doc)
    return {}
