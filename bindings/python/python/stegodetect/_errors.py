"""Exceptions raised by stegodetect. Each derives from StegodetectError and from the builtin that
fits, so ``except ValueError`` catches a corrupt image and ``except OSError`` an unreadable file."""
from __future__ import annotations


class StegodetectError(Exception):
    """Base class; ``kind`` is the core's error kind (``decode``, ``limit``, ...)."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


class DecodeError(StegodetectError, ValueError):
    """Not a supported image, or a corrupt or truncated one."""


class LimitError(StegodetectError, ValueError):
    """A configured limit (file size, pixels, frames) was exceeded."""


class InvalidArgumentError(StegodetectError, ValueError):
    """An argument cannot be used."""


class ModelError(StegodetectError, RuntimeError):
    """The model could not be loaded or run, or breaks the model contract."""


class RuntimeNotFoundError(ModelError):
    """ONNX Runtime's shared library was not found (install the onnxruntime package)."""


class EmbedError(StegodetectError, ValueError):
    """The payload cannot be embedded into this cover."""


class InternalError(StegodetectError, RuntimeError):
    """A bug caught inside the library (please report it with the input)."""


class NotFoundError(InvalidArgumentError, LookupError):
    """What an operation names does not exist (an unknown or already labelled scan id). A kind of
    InvalidArgumentError, which was raised here before this class existed."""


class StegodetectIOError(StegodetectError, OSError):
    """A file could not be read or written: ``errno`` and ``filename`` as on any OSError; a missing
    file raises StegodetectFileNotFoundError (a FileNotFoundError), a forbidden one
    StegodetectPermissionError (a PermissionError)."""

    def __init__(self, message: str, kind: str = "io", errno: "int | None" = None,
                 filename: "str | None" = None) -> None:
        if errno is not None:
            OSError.__init__(self, errno, message, filename)
        else:
            OSError.__init__(self, message)
        self.kind = kind
        self._message = message
        if filename is not None:
            self.filename = filename

    def __str__(self) -> str:
        return self._message


class StegodetectFileNotFoundError(StegodetectIOError, FileNotFoundError):
    """The file does not exist."""


class StegodetectPermissionError(StegodetectIOError, PermissionError):
    """The file may not be read (or written)."""


__all__ = [
    "StegodetectError",
    "DecodeError",
    "LimitError",
    "InvalidArgumentError",
    "NotFoundError",
    "ModelError",
    "RuntimeNotFoundError",
    "EmbedError",
    "InternalError",
    "StegodetectIOError",
    "StegodetectFileNotFoundError",
    "StegodetectPermissionError",
]
