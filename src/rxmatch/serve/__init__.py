"""``rxmatch serve``: an HTTP service (FastAPI) over a saved index, with a link-worker
console page at ``/`` (plain HTML, JS and CSS, Leaflet vendored; no build step).

Needs the ``serve`` extra (``pip install 'rxmatch[serve]'``). Nothing here is imported by
``import rxmatch``. See ``docs/guide/serve.md`` for the endpoints, JSON shapes, error
codes, privacy and hot reload.
"""

from __future__ import annotations

try:
    from .app import STATIC_DIR, create_app, run
except ImportError as exc:  # fastapi or uvicorn missing
    from ..exceptions import OptionalDependencyError

    raise OptionalDependencyError(
        "rxmatch serve needs the 'serve' extra: pip install 'rxmatch[serve]' "
        f"({exc.name or 'fastapi'} is not installed)"
    ) from exc

__all__ = ["create_app", "run", "STATIC_DIR"]
