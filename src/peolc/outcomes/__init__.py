"""The outcomes framework dashboard and health-equity audit over the analytics outputs."""
