"""The network: ViT presets, the image processor and loading a checkpoint."""
