"""The names of the environment variables the add-on reads (machine settings).

Their one home: the Plone settings (:mod:`.settings`) read them for a site,
and the ``tusupload-cleanup`` script, which starts without Zope, for cron.
"""

#: Where unfinished uploads live when the site's ``tmp_dir`` is empty.
TMP_DIR_VARIABLE = "TUSUPLOAD_TMP_DIR"
#: ``1``/``true``/``yes``/``on``: flush every chunk to the disk (default: the
#: file store's, off).
FSYNC_VARIABLE = "TUSUPLOAD_FSYNC"
#: Where unfinished uploads live: ``file`` (the default: the upload directory
#: of this machine) or ``zodb`` (the database every instance shares, for
#: several instances behind a load balancer; see docs/deployment.rst).
STORE_VARIABLE = "TUSUPLOAD_STORE"
