"""ldptrain: training for Thailand's local administrative organisations (DLA x JICA)."""

__version__ = "0.1.0"
