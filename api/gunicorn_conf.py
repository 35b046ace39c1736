"""gunicorn settings for the Procfile (`gunicorn -c python:api.gunicorn_conf api.wsgi:app`):
the same ones `kindly serve` uses, from api/server.py."""

from api.server import procfile_options

globals().update(procfile_options())
