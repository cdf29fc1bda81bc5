"""The fault-injection suite of the reliability issue: every test carries the ``faults`` marker."""
