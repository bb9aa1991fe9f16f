"""The synthetic set as a Hugging Face dataset: rows, parquet shards, card and checks."""
