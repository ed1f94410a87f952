"""Engine 3's runtime: the Spark side of ``glueetl`` job runs.

``s3_paths`` maps ``s3://`` paths onto glueprint's object store folder through Hadoop's own
configuration, ``session`` builds a local SparkSession with Glue's settings, ``formats``
turns Glue's format names and options into Spark's, and ``catalog`` resolves and updates
Data Catalog tables through the Glue API, as a job script's own calls do.
"""
