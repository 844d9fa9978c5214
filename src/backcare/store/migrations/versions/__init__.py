"""Migration scripts, one per schema revision, oldest first (see ``backcare.store.migrations``)."""
