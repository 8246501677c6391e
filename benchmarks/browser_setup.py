"""Add the browser benchmark's editor and chunk size; run with ``zconsole run``.

``browser_site.Site`` runs it after ``zope_sites.py`` made the site: the
editor (``BENCH_EDITOR=name:password``) the browser logs in as, and the
site's chunk size setting (``BENCH_CHUNK_SIZE``, MiB).
"""

import os


SITE = os.environ.get("BENCH_SITE", "addon")
ADMIN = (os.environ.get("ADMIN_USER", "admin"), os.environ.get("ADMIN_PASSWORD", ""))
EDITOR = tuple(os.environ["BENCH_EDITOR"].split(":", 1))


def setup_site(app) -> None:
    """Add the editor the browser logs in as; set the chunk size hint."""
    from AccessControl.SecurityManagement import newSecurityManager
    from plone import api
    from Testing.makerequest import makerequest
    from zope.component.hooks import setSite

    import transaction

    app = makerequest(app)
    newSecurityManager(None, app.acl_users.getUser(ADMIN[0]).__of__(app.acl_users))
    site = app[SITE]
    setSite(site)
    if site.acl_users.getUserById(EDITOR[0]) is None:
        site.acl_users.userFolderAddUser(
            EDITOR[0], EDITOR[1], ["Member", "Contributor", "Editor"], []
        )
    chunk_size = int(os.environ.get("BENCH_CHUNK_SIZE") or 8)
    api.portal.set_registry_record("collective.tusupload.chunk_size", chunk_size)
    transaction.commit()


setup_site(app)  # noqa: F821 - zconsole run provides ``app``
