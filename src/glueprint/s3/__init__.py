"""glueprint's own object store: an S3-compatible API over a folder.

``storage`` keeps buckets as folders and objects as plain files (a file dropped into
``<root>/<bucket>/<key>`` is an object); ``xml`` renders and reads S3's XML by botocore's
``s3`` model; ``auth`` checks SigV4 as S3 does it (payload hash header, aws-chunked bodies,
presigned URLs); ``app`` is the ASGI application that routes S3's REST calls.
"""
