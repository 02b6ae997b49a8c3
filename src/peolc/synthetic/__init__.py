"""The synthetic integrated care system: a generator that writes the linked dataset contract. No Django here."""

from peolc.synthetic.generator import GenerationResult, GeneratorConfig, generate
from peolc.synthetic.truth import died_within

__all__ = ["GenerationResult", "GeneratorConfig", "died_within", "generate"]
