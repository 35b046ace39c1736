"""The HTTP face of Kindly: authentication, schemas, views, SSE and the admin pages."""
