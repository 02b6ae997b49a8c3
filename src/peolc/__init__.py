"""peolc: palliative and end-of-life care platform for an integrated care system."""
