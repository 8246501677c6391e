"""Create one Plone site of the benchmark; run with ``zconsole run``.

``BENCH_SITE=addon``: Classic UI site with plone.restapi and
collective.tusupload (contender 1).
``BENCH_SITE=restapi``: Classic UI site with plone.restapi only, so
``@tus-upload`` is plone.restapi's own (contender 2).
One site per process: a second ``addPloneSite`` in the same process fails.
The site gets a folder ``bench`` to upload into. The Zope admin user comes
from ADMIN_USER / ADMIN_PASSWORD.
"""

from AccessControl.SecurityManagement import newSecurityManager
from plone.base.utils import get_installer
from Products.CMFPlone.factory import addPloneSite
from Testing.makerequest import makerequest
from zope.component.hooks import setSite

import os
import transaction


SITES = {
    "addon": ("plone.restapi", "collective.tusupload"),
    "restapi": ("plone.restapi",),
}


def ensure_admin(app, user_name, password):
    users = app.acl_users
    if users.getUser(user_name) is None:
        users._doAddUser(user_name, password, ["Manager"], [])
    return users.getUser(user_name).__of__(users)


def ensure_site(app, site_id, addons):
    setSite(None)
    if site_id not in app.objectIds():
        addPloneSite(
            app,
            site_id,
            title=site_id,
            distribution_name="classic",
            setup_content=False,
            default_language="en",
        )
    site = app[site_id]
    setSite(site)
    installer = get_installer(site, site.REQUEST)
    for addon in addons:
        if not installer.is_product_installed(addon):
            installer.install_product(addon)
    if "bench" not in site.objectIds():
        site.invokeFactory("Folder", "bench", title="bench")
    transaction.commit()
    print(f"site {site_id}: {', '.join(addons)}")


def main(app):
    app = makerequest(app)
    admin = ensure_admin(
        app,
        os.environ.get("ADMIN_USER", "admin"),
        os.environ.get("ADMIN_PASSWORD", "admin"),
    )
    newSecurityManager(None, admin)
    site_id = os.environ.get("BENCH_SITE", "addon")
    ensure_site(app, site_id, SITES[site_id])
    transaction.commit()
    app._p_jar.db().close()


if __name__ == "__main__":
    main(app)  # noqa: F821 - zconsole run provides ``app``
