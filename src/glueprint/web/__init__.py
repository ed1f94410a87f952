"""The dashboard: server-rendered pages over the same service functions the API uses."""
