"""CSV ingest for the ``ingest`` reference architecture (seed 001).

Reads a CSV object from S3, validates each row, and loads the valid rows into Aurora
MySQL with duplicate-safe batch inserts keyed on ``id``. The Lambda entry point is
``app.handler`` at the root of the code folder.
"""
