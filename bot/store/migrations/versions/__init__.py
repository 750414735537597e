"""One module per schema change, applied in `down_revision` order."""
