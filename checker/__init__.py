"""checker: translation-quality and fact-consistency checks for machine-translated news."""

__version__ = "0.2.0"
