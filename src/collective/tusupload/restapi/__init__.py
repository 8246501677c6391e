"""plone.restapi services of collective.tusupload."""
