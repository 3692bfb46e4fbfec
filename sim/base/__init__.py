"""Foundation: errors, file and TOML input/output, vocabulary, state tables, keyed random numbers, the
calendar. Imports nothing else of the package."""
