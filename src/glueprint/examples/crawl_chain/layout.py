"""Crawl S3 locations one after another: each crawler starts when the previous one succeeded.

A crawler-only workflow passes Jobs=[]: AWS's layout library iterates Jobs when it validates.
"""

from awsglue.blueprint.crawler import Crawler
from awsglue.blueprint.workflow import Entities, Workflow


def generate_layout(user_params, system_params):
    name = user_params["WorkflowName"]
    crawlers = []
    previous = None
    for index, path in enumerate(user_params["S3Paths"]):
        crawler = Crawler(
            Name=f"{name}_crawler_{index}",
            Role=user_params["IAMRole"],
            DatabaseName=user_params["DatabaseName"],
            Targets={"S3Targets": [{"Path": path}]},
            DependsOn={previous: "SUCCEEDED"} if previous else {},
        )
        crawlers.append(crawler)
        previous = crawler
    return Workflow(
        Name=name, Description=f"Crawls {len(crawlers)} locations in order", Entities=Entities(Jobs=[], Crawlers=crawlers)
    )
