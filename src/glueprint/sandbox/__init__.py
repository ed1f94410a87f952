"""Running untrusted code (layouts, job scripts) in a per-run kernel jail; shared by both engines."""
