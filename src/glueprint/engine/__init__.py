"""The run engine: archives, parameters, the layout sandbox, entity creation and rollback."""
