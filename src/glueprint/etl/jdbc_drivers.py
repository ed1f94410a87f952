"""The JDBC drivers glueprint's Spark loads: Debian's packages ``libpostgresql-jdbc-java`` and
``libmariadb-java`` put them in /usr/share/java (scripts/test installs them). The MariaDB
driver also opens ``jdbc:mysql:`` URLs, so it serves Glue's ``mysql`` connection type."""

import os

JAR_DIR = "/usr/share/java"
# Driver class of each JDBC URL scheme, and the jar (Debian's name) that holds it.
DRIVERS = {
    "postgresql": ("org.postgresql.Driver", "postgresql.jar"),
    "mysql": ("org.mariadb.jdbc.Driver", "mariadb-java-client.jar"),
    "mariadb": ("org.mariadb.jdbc.Driver", "mariadb-java-client.jar"),
}


def driver_jars(jar_dir: str = JAR_DIR) -> list[str]:
    """The driver jars present on this machine (a Spark JVM takes them as ``spark.jars``)."""
    names = dict.fromkeys(jar for _, jar in DRIVERS.values())
    return [path for path in (os.path.join(jar_dir, name) for name in names) if os.path.isfile(path)]


def driver_class(scheme: str, jar_dir: str = JAR_DIR) -> str | None:
    """The driver class for a JDBC URL scheme (``postgresql``, ``mysql``...), when its jar is here."""
    if scheme not in DRIVERS:
        return None
    driver, jar = DRIVERS[scheme]
    return driver if os.path.isfile(os.path.join(jar_dir, jar)) else None
