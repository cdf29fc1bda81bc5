"""Reference reproduction of the Associative VAE (AVAE) and its cross-modal baselines."""

__version__ = "0.1.0"
