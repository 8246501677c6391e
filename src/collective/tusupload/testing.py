"""Test layers of collective.tusupload."""

from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing.zope import WSGI_SERVER_FIXTURE


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
