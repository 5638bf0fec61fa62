"""Local files and folders the engine uploads (a Lambda function's code, for instance).

Pass them as property values; relative paths are resolved against the program's working
folder, and the content hash (which tells the engine when to upload again) is computed by the
core.
"""

from ._native import FileArchive, FileAsset

__all__ = ["FileArchive", "FileAsset"]
