"""What the API (service/) and the engines (layouts/, orchestration/) both apply to Glue's
entities: the documented defaults, the rules a definition must pass, schedules and their cron
expressions, a crawler's Configuration, a blueprint run as the wire shows it. Below both, so
that no engine imports the service layer for them; it imports only the protocol model.
"""
