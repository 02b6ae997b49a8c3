"""Finding people early (ambition 2): candidates not yet on the register, segmentation and model performance."""
