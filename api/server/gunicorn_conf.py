"""gunicorn settings for the Procfile
(`gunicorn -c python:api.server.gunicorn_conf api.server.wsgi:app`):
the same ones `kindly serve` uses, from api/server/__init__.py."""

from api.server import procfile_options

globals().update(procfile_options())
