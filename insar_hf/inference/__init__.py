"""Using a trained model: attention maps, boxes, localisation scores and the Detector.

* :mod:`~insar_hf.inference.attention` -- per-head [CLS] maps, attention rollout, combined maps.
* :mod:`~insar_hf.inference.boxes` -- boxes around the high parts of a map, in pixels and map
  coordinates.
* :mod:`~insar_hf.inference.inputs` -- what the Detector accepts and how it becomes the model
  input.
* :mod:`~insar_hf.inference.overlay` -- the map and boxes drawn over the input, per-head maps.
* :mod:`~insar_hf.inference.detector` -- :class:`~insar_hf.inference.detector.Detector`,
  ``Prediction``, ``ScanResult``.
* :mod:`~insar_hf.inference.localisation` -- does the attention point at the deformation?
"""
