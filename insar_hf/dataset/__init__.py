"""The synthetic set as a Hugging Face dataset: rows, parquet shards, card and checks.

Modules, from the row up:

* :mod:`~insar_hf.dataset.rows` -- features, scene -> row (WebP images, PNG masks), rows -> arrow table.
* :mod:`~insar_hf.dataset.layout` -- file names of a dataset folder, the shard plan, the
  generation file.
* :mod:`~insar_hf.dataset.shards` -- writing parquet shards and telling complete ones.
* :mod:`~insar_hf.dataset.stats` -- byte sizes, metadata columns and parameter histograms.
* :mod:`~insar_hf.dataset.card` -- the dataset card (README.md).
* :mod:`~insar_hf.dataset.generate` -- :func:`~insar_hf.dataset.generate.generate_dataset` and
  :func:`~insar_hf.dataset.generate.merge` (``insar-hf generate``).
* :mod:`~insar_hf.dataset.check` -- :func:`~insar_hf.dataset.check.check_dataset`
  (``insar-hf check-dataset``).
* :mod:`~insar_hf.dataset.stream` -- the generator as a ``datasets.IterableDataset`` (row i of a
  split = the row ``generate_dataset`` writes), for training with no image files
  (``training/train.py --synthetic_seed N``).
"""
