"""Making and judging a model: augmentation, the Trainer recipe, evaluation and the card."""
