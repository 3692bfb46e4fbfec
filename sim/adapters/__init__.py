"""The model driven from other tools: ``mesa.batch_run`` and EMA Workbench."""
