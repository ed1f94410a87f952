"""The Data Catalog: databases, a database's tables, and a table with its columns, partition
keys and partitions, read through GetDatabases, GetTables, GetTable and GetPartitions."""

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .pages import PAGE, call, page, paged, threaded


def routes(ctx) -> list[Route]:
    def databases_page(request: Request) -> HTMLResponse:
        found = call(ctx, "GetDatabases", **paged(request, MaxResults=PAGE))
        return page(
            "databases.html",
            databases=found.get("DatabaseList", []),
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
        )

    def tables_page(request: Request) -> HTMLResponse:
        name = request.path_params["database"]
        database = call(ctx, "GetDatabase", Name=name)["Database"]
        found = call(ctx, "GetTables", **paged(request, DatabaseName=name, MaxResults=PAGE))
        return page(
            "tables.html",
            database=database,
            tables=found.get("TableList", []),
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
        )

    def table_page(request: Request) -> HTMLResponse:
        database, name = request.path_params["database"], request.path_params["table"]
        table = call(ctx, "GetTable", DatabaseName=database, Name=name)["Table"]
        found = call(
            ctx,
            "GetPartitions",
            **paged(request, DatabaseName=database, TableName=name, MaxResults=PAGE, ExcludeColumnSchema=True),
        )
        return page(
            "table.html",
            table=table,
            partitions=found.get("Partitions", []),
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
        )

    return [
        Route("/ui/catalog", threaded(databases_page)),
        Route("/ui/catalog/{database}", threaded(tables_page)),
        Route("/ui/catalog/{database}/{table}", threaded(table_page)),
    ]
