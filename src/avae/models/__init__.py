"""Models: one ``nn.Module`` per method, all trained by :mod:`avae.engine`."""
