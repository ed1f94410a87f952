"""What the API (service/) and the engines (layouts/, orchestration/) both apply to Glue's
entities: the documented defaults, the rules a definition must pass, schedules and their cron
expressions, a crawler's Configuration, a blueprint run as the wire shows it; and what a call
or a piece of work is given (the context of its account and region, its NextToken signer,
run credentials, the outcomes of simulated runs). Below both, so that no engine imports the
service layer; it imports only the store and the protocol layer.
"""
