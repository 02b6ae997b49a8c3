"""Analytics for peolc: pure Python, PyArrow and Ibis. Nothing here imports Django or reads web settings."""
