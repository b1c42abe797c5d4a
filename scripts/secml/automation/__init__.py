"""The automation's driver side: the scoring artefact exported from a trained model, the model
registry (calibrate, compare, promote) and the retraining entry point."""
