"""1002 -> 1003: the settings of upload sessions.

Adds the registry records ``session_expiry``, ``session_max_lifetime`` and
``publish_async_threshold`` by importing the profile's registry files again
(the settings a site has set keep their values, as in 1001 and 1002).
"""

PROFILE = "profile-collective.tusupload:default"


def add_session_settings(context) -> None:
    """Import the default profile's registry step."""
    context.runImportStepFromProfile(
        PROFILE, "plone.app.registry", run_dependencies=False
    )
