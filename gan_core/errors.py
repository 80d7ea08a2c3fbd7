"""Every error GAN Classroom raises on purpose, each with a sentence for the person who caused it.

They share one base, `ClassroomError`, so a caller that shows errors to a student catches that one
class (plus what Python itself raises for a bad value) instead of a tuple of its own. Each keeps
the built-in base it had (ValueError: a bad value; RuntimeError: a state of the world).
"""

from __future__ import annotations


class ClassroomError(Exception):
    """An error whose message is meant to be shown as it is."""


class ConfigError(ClassroomError, ValueError):
    """A configuration that cannot run, with a message saying what to change."""


class DatasetError(ClassroomError, RuntimeError):
    """A dataset that cannot be loaded, with a message saying what to do instead."""


class CheckpointError(ClassroomError, ValueError):
    """A checkpoint that cannot be used, with a message for the person who picked it."""


class DeviceError(ClassroomError, RuntimeError):
    """A device (CUDA) that was asked for and cannot be used."""


class WorkerError(ClassroomError, RuntimeError):
    """A run's process could not be started, or it stopped (killed, out of memory)."""


class CapacityError(ClassroomError, RuntimeError):
    """Too many runs exist, or are training, on this server right now."""


class Queued(CapacityError):
    """No training slot is free: the run waits in the queue and starts by itself when its turn comes."""


class StillBuilding(ClassroomError, RuntimeError):
    """A run asked for something (a Step, a checkpoint) while it is still being built (its data read)."""
