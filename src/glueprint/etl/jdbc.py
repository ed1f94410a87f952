"""JDBC sources and sinks, as Glue's ETL library reads and writes them ("JDBC connections" in
the AWS Glue developer guide): ``url``/``user``/``password``/``dbtable`` given directly, or
``useConnectionProperties`` + ``connectionName`` (a catalog connection's JDBC_CONNECTION_URL,
USERNAME, PASSWORD, read through the Glue API), ``database`` in place of the URL's,
``sampleQuery``/``query`` instead of a table, and ``hashfield``/``hashexpression`` with
``hashpartitions`` to read in parallel. Catalog tables a JDBC crawl made (location
``database.schema.table``, a ``connectionName`` parameter) read and write the same way.

Spark's own ``jdbc`` data source does the work, with the drivers of jdbc_drivers; only
DataFrame APIs are used, so it works over Spark Connect too.

On glueprint's own (jailed) Spark Connect server a run reaches only the databases of the
connections attached to its job: the run's session setting ROUTES_SETTING maps each one's
``host:port`` to the port the server relays it at, and URLs are rewritten to it here. Without
that setting (a local session, ``--spark-remote``) URLs are used as they are.
"""

import json
import re
from dataclasses import dataclass

from . import jdbc_drivers

# Glue's JDBC connection types and the JDBC URL scheme each opens.
CONNECTION_TYPES = {
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "oracle": "oracle",
    "sqlserver": "sqlserver",
}
CUSTOM_JDBC = "custom.jdbc"
CATALOG = "jdbc"  # a catalog table's or connection's own engine, whichever its URL names
_URL = re.compile(r"jdbc:(?P<scheme>[a-z0-9]+):(?P<rest>.*)", re.DOTALL)
# A host URL with a database path: jdbc:<scheme>://host[:port]/<database>[?params]
_DATABASE = re.compile(r"(?P<head>//[^/]+/)(?P<database>[^?;]*)(?P<tail>.*)", re.DOTALL)
ROUTES_SETTING = "spark.glueprint.jdbc.routes"  # JSON: {"host:port": "127.0.0.1:N"}
# JDBC's default port of each engine whose URLs name a host: jdbc:<scheme>://host[:port]/...
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "sqlserver": 1433, "redshift": 5439}
_ADDRESS = re.compile(r"//(?P<host>\[[^\]]+\]|[^/:;?]+)(?::(?P<port>[0-9]+))?(?P<tail>[/;?].*)?", re.DOTALL)


class JdbcError(ValueError):
    pass


@dataclass
class Target:
    """Where a JDBC read or write goes: the URL, its credentials and the driver class."""

    url: str
    user: str | None
    password: str | None
    driver: str

    def spark_options(self) -> dict[str, str]:
        options = {"url": self.url, "driver": self.driver}
        if self.user is not None:
            options["user"] = self.user
        if self.password is not None:
            options["password"] = self.password
        return options


def is_jdbc(connection_type: str) -> bool:
    return connection_type in CONNECTION_TYPES or connection_type == CUSTOM_JDBC


def scheme_of(url: str) -> str:
    match = _URL.fullmatch(url or "")
    if not match:
        raise JdbcError(f"{url!r} is not a JDBC URL (jdbc:<engine>://host:port/database)")
    return match["scheme"]


def with_database(url: str, database: str) -> str:
    """The URL opening ``database`` instead of the one it names."""
    match = _URL.fullmatch(url)
    inner = _DATABASE.fullmatch(match["rest"]) if match else None
    if inner is None:
        raise JdbcError(f"cannot name database {database!r} in JDBC URL {url!r}")
    return f"jdbc:{match['scheme']}:{inner['head']}{database}{inner['tail']}"


def address_of(url: str) -> tuple[str, int] | None:
    """The host and port a JDBC URL opens, or None for a URL that names none this way."""
    match = _URL.fullmatch(url or "")
    inner = _ADDRESS.fullmatch(match["rest"]) if match else None
    if inner is None or (inner["port"] is None and match["scheme"] not in DEFAULT_PORTS):
        return None
    return inner["host"].lower(), int(inner["port"] or DEFAULT_PORTS[match["scheme"]])


def routed(spark, place: Target) -> Target:
    """``place`` as the run's Spark server reaches it: through its route when the session has
    routes (glueprint's own server), as it is otherwise."""
    routes = json.loads(spark.conf.get(ROUTES_SETTING, "") or "null")
    if routes is None:
        return place
    address = address_of(place.url)
    route = routes.get(f"{address[0]}:{address[1]}") if address else None
    if route is None:
        where = f"{address[0]}:{address[1]}" if address else place.url
        raise JdbcError(
            f"{where} is not reachable from this job run: a job reaches the databases of the connections "
            f"attached to it (its Connections); attach a connection whose JDBC_CONNECTION_URL names {where}"
        )
    match = _URL.fullmatch(place.url)
    tail = _ADDRESS.fullmatch(match["rest"])["tail"] or ""
    return Target(f"jdbc:{match['scheme']}://{route}{tail}", place.user, place.password, place.driver)


def connection_properties(catalog, name: str) -> dict:
    """A catalog connection's properties, its password included (GetConnection with HidePassword off)."""
    try:
        connection = catalog.client.get_connection(Name=name, HidePassword=False)["Connection"]
    except catalog.client.exceptions.EntityNotFoundException:
        raise JdbcError(f"connection {name!r} does not exist in the Data Catalog") from None
    properties = dict(connection.get("ConnectionProperties") or {})
    if "SECRET_ID" in properties and "PASSWORD" not in properties:
        raise JdbcError(f"connection {name!r} keeps its credentials in Secrets Manager (SECRET_ID), which exists only on AWS")
    properties["__type"] = connection.get("ConnectionType", "JDBC")
    return properties


def target(connection_type: str, options: dict, catalog) -> Target:
    """The target of a source's or sink's ``connection_options``."""
    name = options.get("connectionName")
    uses_connection = connection_type == CUSTOM_JDBC or str(options.get("useConnectionProperties", "")).lower() == "true"
    if name and (uses_connection or "url" not in options):
        properties = connection_properties(catalog, name)
        url = properties.get("JDBC_CONNECTION_URL") or properties.get("CONNECTION_URL") or ""
        user, password = properties.get("USERNAME"), properties.get("PASSWORD")
    else:
        url, user, password = options.get("url", ""), options.get("user"), options.get("password")
        properties = {}
    if not url:
        raise JdbcError(f"a {connection_type} source or sink needs connection_options url, or connectionName")
    if options.get("database"):
        url = with_database(url, options["database"])
    scheme = scheme_of(url)
    if (
        connection_type in CONNECTION_TYPES
        and CONNECTION_TYPES[connection_type] != scheme
        and {
            connection_type,
            scheme,
        }
        != {"mysql", "mariadb"}
    ):
        raise JdbcError(f"connection type {connection_type!r} does not open {scheme} URLs ({url})")
    driver = _driver(connection_type, scheme, properties)
    return Target(url, user, password, driver)


def _driver(connection_type: str, scheme: str, properties: dict) -> str:
    ours = jdbc_drivers.driver_class(scheme)
    if connection_type == CUSTOM_JDBC:
        # A custom connector brings its own driver class; glueprint can run it when that class
        # is one of the drivers it has.
        wanted = properties.get("CONNECTOR_CLASS_NAME")
        if ours is None or (wanted and wanted not in {d for d, _ in jdbc_drivers.DRIVERS.values()}):
            raise JdbcError(
                f"custom connector class {wanted or '(none)'} for {scheme} URLs exists only on AWS; glueprint runs custom.jdbc "
                f"connections only with its own drivers ({', '.join(sorted({d for d, _ in jdbc_drivers.DRIVERS.values()}))})"
            )
        return ours
    if ours is None:
        known = scheme in jdbc_drivers.DRIVERS
        raise JdbcError(
            f"no JDBC driver for {scheme} URLs in glueprint's Spark"
            + (
                " (install Debian's libpostgresql-jdbc-java / libmariadb-java)"
                if known
                else " (it has PostgreSQL and MySQL/MariaDB)"
            )
        )
    return ours


def _source(options: dict) -> dict[str, str]:
    if options.get("sampleQuery") or options.get("query"):
        return {"query": str(options.get("sampleQuery") or options["query"])}
    if not options.get("dbtable"):
        raise JdbcError("a JDBC source needs connection_options dbtable (or sampleQuery)")
    return {"dbtable": str(options["dbtable"])}


def _hash_predicates(scheme: str, options: dict) -> list[str] | None:
    """One WHERE condition per partition for ``hashexpression`` or ``hashfield`` reads."""
    if not (options.get("hashexpression") or options.get("hashfield")):
        return None
    count = int(options.get("hashpartitions", 7))  # Glue's default partition count
    if count < 1:
        raise JdbcError(f"hashpartitions must be at least 1, not {count}")
    if options.get("hashexpression"):
        expression = f"({options['hashexpression']})"
    elif scheme == "postgresql":
        expression = f"abs(hashtext(CAST({options['hashfield']} AS text)))"
    else:
        expression = f"CRC32({options['hashfield']})"
    return [f"MOD({expression}, {count}) = {i}" for i in range(count)]


def read(spark, connection_type: str, options: dict, catalog):
    """A DataFrame of the rows a JDBC source names."""
    place = routed(spark, target(connection_type, options, catalog))
    spark_options = {**place.spark_options(), **_source(options)}
    predicates = _hash_predicates(scheme_of(place.url), options) if "dbtable" in spark_options else None
    if predicates:
        table = spark_options.pop("dbtable")
        url = spark_options.pop("url")
        return spark.read.jdbc(url, table, predicates=predicates, properties=spark_options)
    return spark.read.format("jdbc").options(**spark_options).load()


def write(df, connection_type: str, options: dict, catalog) -> None:
    """Append ``df`` to the table ``dbtable`` names (created when missing, as Glue's sink does)."""
    if not options.get("dbtable"):
        raise JdbcError("a JDBC sink needs connection_options dbtable")
    place = routed(df.sparkSession, target(connection_type, options, catalog))
    writer = df.write.format("jdbc").options(**place.spark_options(), dbtable=str(options["dbtable"])).mode("append")
    if options.get("bulkSize"):
        writer = writer.option("batchsize", str(options["bulkSize"]))
    writer.save()


def catalog_options(table: dict) -> dict | None:
    """Source/sink options for a catalog table a JDBC crawl made (its ``connectionName``
    parameter and ``database.schema.table`` location), or None for any other table."""
    descriptor = table.get("StorageDescriptor") or {}
    parameters = {**(table.get("Parameters") or {}), **(descriptor.get("Parameters") or {})}
    name, location = parameters.get("connectionName"), descriptor.get("Location") or ""
    if not name or "://" in location:
        return None
    database, _, dbtable = location.partition(".")
    if not dbtable:
        raise JdbcError(f"JDBC table {table.get('Name')} has location {location!r}, not database.table")
    return {"connectionName": name, "useConnectionProperties": "true", "database": database, "dbtable": dbtable}
