"""Synthetic scenes: configuration, nuisance signals, earthquakes and look-alikes, previews."""
