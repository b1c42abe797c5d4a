"""The workshop flow: the exercises, one training-and-scoring run, sample findings, and the notebook's public API."""
