"""Models: one ``nn.Module`` per method, all trained by :mod:`crossmodal.engine`."""
