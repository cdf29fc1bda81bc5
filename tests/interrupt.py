"""Kill training at an epoch's end, as the end of a session does, to test that a job resumes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from crossmodal.jobs import training


class Killed(Exception):
    """The kill: raised where the session's end would stop the process."""


@contextmanager
def killed_at_epoch_end(count: int) -> Iterator[None]:
    """Within the block, training stops with :class:`Killed` at the ``count``-th epoch end, counted
    over every trainer the block starts (a staged job's later stages count on), and the block
    expects it."""
    ends: list[int] = []

    def on_epoch_end(epoch: int) -> None:
        ends.append(epoch)
        if len(ends) == count:
            raise Killed

    original = training.Trainer.__init__

    def with_hook(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **{**kwargs, "on_epoch_end": on_epoch_end})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training.Trainer, "__init__", with_hook)
        with pytest.raises(Killed):
            yield
