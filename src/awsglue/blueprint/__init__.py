"""The blueprint layout API: Workflow, Entities, Job and Crawler."""
