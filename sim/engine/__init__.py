"""Running the model: replicates, the executor (local processes or Dask) and sweeps."""
