"""Dataset acquisition (download, verification, safe archive reading) and preparation."""
