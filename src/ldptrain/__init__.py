"""ldptrain: training for Thailand's local administrative organisations (DLA x JICA)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["HostIdentity", "HostPerson", "LDPTrain", "create_app", "__version__"]

if TYPE_CHECKING:
    from .app import create_app
    from .extension import LDPTrain
    from .identity import HostIdentity, HostPerson


def __getattr__(name: str) -> Any:
    # Lazy, so `import ldptrain.content` (pure, no Flask) stays light.
    if name == "LDPTrain":
        from .extension import LDPTrain

        return LDPTrain
    if name in ("HostIdentity", "HostPerson"):
        from . import identity

        return getattr(identity, name)
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
