"""collective.tusupload: resumable tus uploads for Plone and plain WSGI apps.

The public names ``Tus``, ``WebobAdapter``, ``Zope2RequestAdapter`` and
``Filter`` are kept from the original ``tus`` package. They are imported
lazily so that using the framework-agnostic core does not pull in Zope.
"""

import importlib
import logging


PACKAGE_NAME = "collective.tusupload"

logger = logging.getLogger(PACKAGE_NAME)

_LAZY_NAMES = {
    "_": ("zope.i18nmessageid", None),
    "Tus": ("collective.tusupload.adapters.legacy", "Tus"),
    "WebobAdapter": ("collective.tusupload.adapters.webob", "WebobAdapter"),
    "Zope2RequestAdapter": (
        "collective.tusupload.adapters.zope",
        "Zope2RequestAdapter",
    ),
    "Filter": ("collective.tusupload.adapters.wsgi", "Filter"),
}

__all__ = ["PACKAGE_NAME", "logger", "_", *list(_LAZY_NAMES)[1:]]


def __getattr__(name: str):
    if name not in _LAZY_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = _LAZY_NAMES[name]
    module = importlib.import_module(module_name)
    if name == "_":
        value = module.MessageFactory(PACKAGE_NAME)
    else:
        value = getattr(module, attribute)
    globals()[name] = value
    return value
