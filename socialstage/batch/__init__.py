"""Scoring lists of organizations: the plan (list or file -> organizations), the engines (in memory, a partitioned
dataset locally or on Dask), the rows and their ranking, the journal for ``--resume``, and the output file."""
