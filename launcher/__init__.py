"""AppStream Launcher: streaming URLs for Amazon WorkSpaces Applications (AppStream 2.0)."""

__version__ = "0.1.0"
