"""Site Setup control panel for the upload settings."""

from collective.tusupload import _
from collective.tusupload.interfaces import ICollectiveTusuploadLayer
from collective.tusupload.interfaces import ITusUploadSettings
from collective.tusupload.interfaces import REGISTRY_PREFIX
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from zope.component import adapter
from zope.interface import Interface


class TusUploadSettingsForm(RegistryEditForm):
    schema = ITusUploadSettings
    schema_prefix = REGISTRY_PREFIX
    label = _("Resumable uploads")
    description = _(
        "Limits and housekeeping of resumable (tus) uploads. Uploads still "
        "in progress are listed in Site Setup under 'Pending uploads'."
    )


class TusUploadControlPanel(ControlPanelFormWrapper):
    form = TusUploadSettingsForm


@adapter(Interface, ICollectiveTusuploadLayer)
class TusUploadControlPanelRest(RegistryConfigletPanel):
    """The same settings through plone.restapi's ``@controlpanels``."""

    schema = ITusUploadSettings
    schema_prefix = REGISTRY_PREFIX
    configlet_id = "tusupload-controlpanel"
    configlet_category_id = "plone-general"
