"""The model: the Mesa model and its market processes, agents, recorder, metrics, fiscal accounts,
pilot zones, target evaluation, the assembled parameter registry and case files."""
