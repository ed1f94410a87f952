"""Custom classifiers: create, read, list, update, delete (the crawls that apply them:
orchestration/custom_classifiers.py).

A classifier is an entity of kind "classifier" whose document is the wire Classifier (one of
GrokClassifier, XMLClassifier, JsonClassifier, CsvClassifier) plus its Name, so a crawl reads
it with store.entities.get(conn, "classifier", name). Names are unique across the four kinds.
"""

from ..domain.context import ServiceContext
from ..orchestration import custom_classifiers
from ..protocol import errors
from ..store import entities as store
from .catalog_common import add_named, get_named, name_page
from .registry import operation

KINDS = ("GrokClassifier", "XMLClassifier", "JsonClassifier", "CsvClassifier")


def _given(p: dict, op: str) -> tuple[str, dict]:
    """The one classifier kind a Create or Update request names, with its fields."""
    present = [k for k in KINDS if k in p]
    if len(present) != 1:
        raise errors.InvalidInputException(
            f"{op} takes exactly one of {', '.join(KINDS)}; the request has {len(present) or 'none'}."
        )
    return present[0], p[present[0]]


def _check(kind: str, fields: dict) -> None:
    """What the model cannot say: a JsonPath in Glue's subset; a CSV quote symbol other than the
    delimiter (API reference, CsvClassifier.QuoteSymbol) and custom datatypes from its list."""
    if kind == "JsonClassifier":
        try:
            custom_classifiers.steps(fields["JsonPath"])
        except custom_classifiers.BadJsonPath as exc:
            raise errors.InvalidInputException(f"{exc}: Glue supports $, .name, ['name'], [n] and [*].") from None
    if kind == "CsvClassifier":
        if fields.get("QuoteSymbol", '"') == fields.get("Delimiter", ","):
            raise errors.InvalidInputException("The CSV classifier's QuoteSymbol must be different from its Delimiter.")
        unknown = [t for t in fields.get("CustomDatatypes") or [] if t not in custom_classifiers.CUSTOM_DATATYPES]
        if unknown:
            raise errors.InvalidInputException(
                f"Custom datatype {unknown[0]} is not one of {', '.join(custom_classifiers.CUSTOM_DATATYPES)}."
            )


def view(doc: dict) -> dict:
    """A stored classifier as GetClassifier shows it: {kind: fields}."""
    return {k: v for k, v in doc.items() if k != "Name"}


def _missing(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Classifier {name} not found.")


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Classifier {name} already exists.")


@operation("CreateClassifier")
def create_classifier(ctx: ServiceContext, p: dict) -> dict:
    kind, fields = _given(p, "CreateClassifier")
    _check(kind, fields)
    name, now = fields["Name"], ctx.clock()
    doc = {"Name": name, kind: {**fields, "CreationTime": now, "LastUpdated": now, "Version": 1}}
    add_named(ctx, "classifier", name, doc, now, _exists(name))
    return {}


@operation("GetClassifier", read_only=True)
def get_classifier(ctx: ServiceContext, p: dict) -> dict:
    doc = get_named(ctx, "classifier", p["Name"], _missing(p["Name"]))
    return {"Classifier": view(doc)}


@operation("GetClassifiers", read_only=True)
def get_classifiers(ctx: ServiceContext, p: dict) -> dict:
    docs, token = name_page(ctx, "GetClassifiers", "classifier", "", p, lambda doc: True, {})
    return {"Classifiers": [view(d) for d in docs], "NextToken": token}


@operation("UpdateClassifier")
def update_classifier(ctx: ServiceContext, p: dict) -> dict:
    """The fields given replace the stored ones, the others stay; Version counts updates."""
    kind, fields = _given(p, "UpdateClassifier")
    name = fields["Name"]
    with ctx.db.write() as conn:
        doc = store.get(conn, "classifier", name, lock=True)
        if doc is None:
            raise _missing(name)
        if kind not in doc:
            # AWS's words, as the Terraform provider quotes them for a change of kind.
            raise errors.InvalidInputException("UpdateClassifierRequest can't change the type of the classifier")
        current = doc[kind]
        doc[kind] = {**current, **fields, "LastUpdated": ctx.clock(), "Version": current["Version"] + 1}
        _check(kind, doc[kind])
        store.replace(conn, "classifier", name, doc)
    return {}


@operation("DeleteClassifier")
def delete_classifier(ctx: ServiceContext, p: dict) -> dict:
    """Crawlers that name the classifier keep the name (AWS models no conflict error here)."""
    with ctx.db.write() as conn:
        if not store.remove(conn, "classifier", p["Name"]):
            raise _missing(p["Name"])
    return {}
