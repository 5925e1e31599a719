"""batchtop: follow an Azure ML batch scoring job live in the terminal, the way htop follows a machine."""

__version__ = "0.1.0"
