"""HTTP blueprints: thin views that load with a schema, call a service and dump with a schema."""
