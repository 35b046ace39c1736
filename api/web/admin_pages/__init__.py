"""The admin pages served at /admin (templates and static files; they call the /v1 API)."""
