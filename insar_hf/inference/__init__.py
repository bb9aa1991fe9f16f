"""Using a trained model: attention maps, localisation scores and the Detector."""
