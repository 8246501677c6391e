"""Test layers of collective.tusupload."""

from __future__ import annotations

from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing.zope import WSGI_SERVER_FIXTURE
from zope.component import getGlobalSiteManager
from ZPublisher.interfaces import IPubFailure

import traceback


class CollectiveTusuploadLayer(PloneSandboxLayer):
    """Plone with plone.restapi and collective.tusupload installed."""

    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import collective.tusupload
        import plone.restapi

        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=collective.tusupload)

    def setUpPloneSite(self, portal):
        applyProfile(portal, "collective.tusupload:default")


FIXTURE = CollectiveTusuploadLayer()

INTEGRATION_TESTING = IntegrationTesting(
    bases=(FIXTURE,),
    name="CollectiveTusuploadLayer:IntegrationTesting",
)

FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(FIXTURE, WSGI_SERVER_FIXTURE),
    name="CollectiveTusuploadLayer:FunctionalTesting",
)


class PublicationFailures:
    """The tracebacks of requests whose publication failed, as they happen.

    Tests show them when a server answers 5xx: the test user is not shown
    tracebacks, and an error outside the site never reaches its error log.
    Use as a context manager; ``recent()`` gives the newest.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []
        #: The paths of the requests Zope retried (after a ConflictError).
        self.retried: list[str] = []

    def _record(self, event) -> None:
        path = event.request.get("PATH_INFO", "")
        method = event.request.get("REQUEST_METHOD", "")
        if event.retry:
            self.retried.append(path)
        retry = " (Zope retries it)" if event.retry else ""
        text = "".join(traceback.format_exception(*event.exc_info))
        self.seen.append(f"{method} {path}{retry}:\n{text}")

    def recent(self, last: int = 3) -> str:
        return "\n".join(self.seen[-last:]) or "(no failed publication seen)"

    def __enter__(self) -> PublicationFailures:
        getGlobalSiteManager().registerHandler(self._record, (IPubFailure,))
        return self

    def __exit__(self, *exc) -> None:
        getGlobalSiteManager().unregisterHandler(self._record, (IPubFailure,))
