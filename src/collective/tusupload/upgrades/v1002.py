"""1001 -> 1002: the folder Contents view's Upload button leads to @@upload-files.

Adds the bundle ``collective.tusupload-contents`` (a small script loaded on
``folder_contents`` only) by importing the profile's registry files again:
the settings keep the values a site has set (their interface is registered
again, as in 1001), the upload page's bundle gets the values it has.
"""

PROFILE = "profile-collective.tusupload:default"


def add_contents_bundle(context) -> None:
    """Import the default profile's registry step (bundles and settings)."""
    context.runImportStepFromProfile(
        PROFILE, "plone.app.registry", run_dependencies=False
    )
