"""socialstage: place an organization on the social-media maturity curve from its public activity."""

__version__ = "0.1.0"
