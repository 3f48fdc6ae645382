"""readfirst chest X-ray model training pipeline (see training/README.md)."""
