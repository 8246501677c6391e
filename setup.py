"""Installer for the collective.tusupload package."""

from pathlib import Path
from setuptools import find_namespace_packages
from setuptools import setup


HERE = Path(__file__).parent
long_description = "\n\n".join(
    [
        (HERE / "README.rst").read_text(encoding="utf-8"),
        (HERE / "CHANGES.rst").read_text(encoding="utf-8"),
    ]
)

setup(
    name="collective.tusupload",
    version="1.0.0a1.dev0",
    description=(
        "Resumable, fast and safe tus uploads for Plone 6 and any WSGI application"
    ),
    long_description=long_description,
    long_description_content_type="text/x-rst",
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Environment :: Web Environment",
        "Framework :: Plone",
        "Framework :: Plone :: 6.2",
        "Framework :: Plone :: Addon",
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        "Operating System :: OS Independent",
        "Programming Language :: Python",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    ],
    keywords="Python Plone CMS tus upload resumable",
    author="collective.tusupload contributors",
    url="https://pypi.org/project/collective.tusupload",
    license="GPL version 2",
    packages=find_namespace_packages("src", include=["collective.*"]),
    package_dir={"": "src"},
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=[
        "setuptools",
        "Products.CMFPlone>=6.2",
        "plone.api",
        "plone.restapi",
        "plone.app.registry",
        "plone.app.dexterity",
        "plone.namedfile",
        "plone.protect",
        "webob",
        "waitress",
        "gunicorn",
        "h11",
        "PasteDeploy",
        "http-sf",
        "zope.interface",
        "zope.component",
    ],
    extras_require={
        "test": [
            "plone.app.testing",
            "pytest",
            "pytest-plone",
            "pytest-timeout",
            "hypothesis",
            "requests",
            "tuspy",
            "playwright",
            # tests/zodbstore and tests/cluster (make cluster, DB=postgres)
            "ZEO",
            "RelStorage",
            "psycopg2-binary",
        ],
        # Several instances sharing one database (make cluster, docs/deployment.rst)
        "cluster": ["ZEO"],
        # ... on PostgreSQL with RelStorage (make cluster DB=postgres)
        "postgres": ["RelStorage", "psycopg2-binary"],
        "dev": [
            "ruff",
            "zpretty",
            "sphinx",
            "towncrier",
            "matplotlib",
            "py-spy",
        ],
    },
    entry_points={
        "z3c.autoinclude.plugin": ["target = plone"],
        "paste.filter_app_factory": [
            "main = collective.tusupload.adapters.wsgi:filter_app_factory",
        ],
        "paste.filter_factory": [
            "guard = collective.tusupload.deploy.guard:filter_factory",
        ],
        "paste.server_factory": [
            "front = collective.tusupload.deploy.serve:front_server_factory",
            "gunicorn = collective.tusupload.deploy.gunicorn:server_factory",
        ],
        "console_scripts": [
            "tusupload-cleanup = collective.tusupload.cli:run",
            "tusupload-serve = collective.tusupload.deploy.serve:main",
        ],
    },
)
