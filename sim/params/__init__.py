"""Parameters: the typed :class:`Param`, the :class:`Registry`, and the core mechanisms' parameter
declarations. Levers declare theirs in their own modules."""
