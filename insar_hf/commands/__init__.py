"""Sub-commands of the ``insar-hf`` CLI (see :mod:`insar_hf.cli`)."""
