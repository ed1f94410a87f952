"""Which folders of an include path are tables and which are partitions, as AWS's crawler
decides (developer guide, "How does a crawler determine when to create partitions?").

A folder is the root of one table when everything under it is compatible (same format,
compression and, for CSV, delimiter and header) and, at each folder level, the schemas are
similar: AWS's knowledge center gives the rule as a partition threshold above 0.7 with at most
five different schemas ("clusters"). Here a cluster is a group of schemas whose column names
overlap by at least 70% (Jaccard) or contain one another, and a level is one table when its
largest cluster holds more than 70% of the folders. Otherwise each sub-folder is considered on
its own, and files beside sub-folders become tables of their own, named after the file.
``CombineCompatibleSchemas`` skips the similarity test; ``TableLevelConfiguration`` puts
tables at an absolute folder level (the bucket's top-level folders are level 1).

Folders below a table's root are its partitions: ``key=value`` folders give the key, others
``partition_0``, ``partition_1``, ... by level.
"""

from dataclasses import dataclass, field, replace

from . import inference
from .crawl_listing import Folder, S3File

SIMILARITY = 0.7
MAX_CLUSTERS = 5


@dataclass
class Schema:
    """What the sampled files of a folder (or a whole table) have in common."""

    classification: str
    compression: str
    columns: list[dict]
    csv: dict = field(default_factory=dict)
    avro_schema: str | None = None
    records: int = 0
    sample_bytes: int = 0

    @classmethod
    def of(cls, sample: inference.Sample) -> "Schema":
        return cls(
            sample.classification,
            sample.compression,
            sample.columns,
            dict(sample.csv),
            sample.avro_schema,
            sample.records,
            sample.sample_bytes,
        )

    def kind(self) -> tuple:
        return (self.classification, self.compression, self.csv.get("delimiter"), self.csv.get("header"))

    def names(self) -> set[str]:
        return {c["Name"] for c in self.columns}


def merge(a: Schema | None, b: Schema | None) -> Schema | None:
    if a is None or b is None:
        return a or b
    quoted = a.csv.get("quoted") or b.csv.get("quoted")
    return replace(
        a,
        columns=inference.merge_columns(a.columns, b.columns),
        csv={**a.csv, "quoted": quoted} if a.csv else {},
        records=a.records + b.records,
        sample_bytes=a.sample_bytes + b.sample_bytes,
    )


def similar(a: Schema, b: Schema) -> bool:
    x, y = a.names(), b.names()
    union = x | y
    return not union or x <= y or y <= x or len(x & y) / len(union) >= SIMILARITY


def one_level(schemas: list[Schema], combine: bool) -> bool:
    """Whether sibling schemas (None: only empty files) make one table."""
    present = [s for s in schemas if s is not None]
    if len({s.kind() for s in present}) > 1:
        return False
    if combine or len(present) < 2:
        return True
    clusters: list[list[Schema]] = []
    for schema in present:
        home = next((c for c in clusters if similar(c[0], schema)), None)
        if home is None:
            clusters.append([schema])
        else:
            home.append(schema)
    largest = max(len(c) for c in clusters)
    return len(clusters) <= MAX_CLUSTERS and largest / len(present) > SIMILARITY


@dataclass
class Partition:
    values: list[str]
    location: str
    schema: Schema | None
    objects: int
    size: int


@dataclass
class TablePlan:
    name: str  # the folder (or file) it is named after, before any prefix or suffix
    location: str
    schema: Schema | None
    keys: list[str]
    partitions: list[Partition]
    objects: int
    size: int


class Grouping:
    def __init__(self, samples: dict[str, inference.Sample], combine: bool, table_level: int | None):
        self.samples = samples
        self.combine = combine
        self.table_level = table_level
        self._whole: dict[str, Schema | None | bool] = {}

    def _file(self, f: S3File) -> Schema | None:
        """A sampled file's schema; None for the others (empty, or past a folder's sample), which fit any table."""
        sample = self.samples.get(f.key)
        return Schema.of(sample) if sample is not None else None

    def whole(self, folder: Folder) -> Schema | None | bool:
        """The schema of the one table a folder's subtree makes (None: only empty files), or
        False when it makes several. Computed once per folder, bottom-up: linear in folders."""
        if folder.location not in self._whole:
            parts = [self._file(f) for f in folder.files]
            children = [self.whole(c) for c in folder.children.values()]
            together = parts + children
            split = any(c is False for c in children) or (folder.files and folder.children and not self.combine)
            if split or not one_level([s for s in together if s is not False], self.combine):
                self._whole[folder.location] = False
            else:
                merged = None
                for schema in together:
                    merged = merge(merged, schema)
                self._whole[folder.location] = merged
        return self._whole[folder.location]

    def forced(self, folder: Folder) -> Schema | None:
        """A table forced at a folder: the schemas compatible with the first one found, merged."""
        merged = None
        for sub in folder.walk():
            for f in sub.files:
                schema = self._file(f)
                if schema is not None and (merged is None or schema.kind() == merged.kind()):
                    merged = merge(merged, schema)
        return merged

    def plan(self, root: Folder, force: bool = False) -> list[TablePlan]:
        if not any(sub.files for sub in root.walk()):
            return []
        if force or (self.table_level is not None and root.level >= self.table_level):
            return [self.table(root, self.forced(root))]
        schema = self.whole(root)
        if schema is not False and self.table_level is None:
            return [self.table(root, schema)]
        tables = []
        for child in root.children.values():
            tables += self.plan(child)
        for f in root.files:
            single = Folder(f"s3://{f.bucket}/{f.key}", f.key.rsplit("/", 1)[-1], root.level, files=[f])
            tables.append(self.table(single, self._file(f)))
        return tables

    def table(self, root: Folder, schema: Schema | None) -> TablePlan:
        holding = [(sub, path) for sub, path in _paths(root) if sub.files]
        depth = min(len(path) for _, path in holding)
        objects = sum(len(sub.files) for sub, _ in holding)
        size = sum(f.size for sub, _ in holding for f in sub.files)
        partitions: dict[tuple[str, ...], Partition] = {}
        for sub, path in holding:
            if depth == 0 or len(path) < depth:
                continue
            top = path[:depth]
            location = root.location + "".join(f"{p}/" for p in top)
            part = partitions.setdefault(top, Partition([_value(p) for p in top], location, None, 0, 0))
            for f in sub.files:
                part.schema = merge(part.schema, self._compatible(self._file(f), schema))
            part.objects += len(sub.files)
            part.size += sum(f.size for f in sub.files)
        keys = [_key([path[i] for path in partitions], i) for i in range(depth)]
        ordered = sorted(partitions.values(), key=lambda p: p.values)
        return TablePlan(root.name, root.location, schema, keys, ordered, objects, size)

    @staticmethod
    def _compatible(schema: Schema | None, table: Schema | None) -> Schema | None:
        return schema if schema is None or table is None or schema.kind() == table.kind() else None


def _paths(root: Folder):
    """Every folder under root with its path of folder names from root."""
    stack = [(root, ())]
    while stack:
        folder, path = stack.pop()
        yield folder, path
        stack.extend((child, (*path, name)) for name, child in folder.children.items())


def _value(folder_name: str) -> str:
    return folder_name.split("=", 1)[1] if "=" in folder_name else folder_name


def _key(names: list[str], level: int) -> str:
    keys = {n.split("=", 1)[0].lower() if "=" in n else None for n in names}
    if len(keys) == 1 and (key := keys.pop()):
        return key
    return f"partition_{level}"
