"""People, organisations, users, roles and permissions, audit and the actions pattern."""
