"""The first engine, blueprint runs: fetch and check archives, read parameters, run the layout
(in the sandbox), create the entities its plan describes, and roll back on failure."""
