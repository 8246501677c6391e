"""Create the Plone site with the add-on; run with ``zconsole run``.

First run: adds the Zope admin user, a Classic UI Plone site with
plone.restapi and collective.tusupload installed, and a second site for
Volto (plone.volto's ``volto`` distribution, which brings plone.restapi)
with collective.tusupload, for the frontend that ``make volto`` serves.
Later runs keep the sites and only make sure the admin password and the
add-on are current.
Environment: SITE_ID, ADMIN_USER, ADMIN_PASSWORD, SITE_TITLE,
VOLTO_SITE_ID (``Volto``; empty: no Volto site).
"""

from AccessControl.SecurityManagement import newSecurityManager
from plone.base.utils import get_installer
from Products.CMFPlone.factory import addPloneSite
from Testing.makerequest import makerequest
from zope.component.hooks import setSite

import os
import transaction


ADDONS = ("plone.restapi", "collective.tusupload")
DISTRIBUTIONS = {"classic": "Classic UI", "volto": "for Volto"}


def ensure_admin(app, user_name: str, password: str):
    users = app.acl_users
    if users.getUser(user_name) is None:
        users._doAddUser(user_name, password, ["Manager"], [])
        print(f"Created Zope admin user {user_name!r}")
    elif hasattr(users, "users"):
        # Plone turns the root user folder into a PAS on site creation.
        users.users.updateUserPassword(user_name, password)
    else:
        users._doChangeUser(user_name, password, ["Manager"], [])
    return users.getUser(user_name).__of__(users)


def ensure_site(app, site_id: str, title: str, distribution: str = "classic"):
    """The site ``site_id``, made from ``distribution`` if missing, with the add-on.

    :param distribution: ``classic`` (Classic UI) or ``volto`` (plone.volto's
        profile, for a Volto frontend).
    """
    if site_id in app.objectIds():
        site = app[site_id]
        print(f"Using existing Plone site {site_id!r}")
    else:
        site = addPloneSite(
            app,
            site_id,
            title=title,
            distribution_name=distribution,
            setup_content=distribution == "classic",
            default_language="en",
        )
        print(f"Created Plone site {site_id!r} ({DISTRIBUTIONS[distribution]})")
    setSite(site)
    installer = get_installer(site, site.REQUEST)
    for addon in ADDONS:
        if not installer.is_product_installed(addon):
            installer.install_product(addon)
            print(f"Installed {addon}")
    return site


def main(app) -> None:
    app = makerequest(app)
    user_name = os.environ.get("ADMIN_USER", "admin")
    password = os.environ.get("ADMIN_PASSWORD", "admin")
    admin = ensure_admin(app, user_name, password)
    newSecurityManager(None, admin)
    ensure_site(
        app,
        os.environ.get("SITE_ID", "Plone"),
        os.environ.get("SITE_TITLE", "Plone site"),
    )
    volto_site_id = os.environ.get("VOLTO_SITE_ID", "Volto")
    if volto_site_id:
        ensure_site(app, volto_site_id, "Plone site (Volto)", "volto")
    transaction.commit()
    # Close cleanly so FileStorage writes its index and the server start
    # does not have to rebuild it.
    app._p_jar.db().close()


if __name__ == "__main__":
    main(app)  # noqa: F821 - zconsole run provides ``app``
