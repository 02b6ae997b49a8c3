"""The outcomes framework's pages and the health-equity audit over the analytics outputs."""
