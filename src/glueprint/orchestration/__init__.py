"""The second engine: workflow runs, the triggers that fire in them, job runs and crawls.

The first engine (glueprint.layouts) runs layouts and creates workflows; this one runs what
they created. Both keep their state in the same store and are advanced by the same workers.
"""
