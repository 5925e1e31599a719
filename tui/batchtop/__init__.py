"""batchtop: follow an Azure ML batch scoring job live in the terminal, like htop."""

__version__ = "0.1.0"
