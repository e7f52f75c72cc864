"""The exception hierarchy. Every error the CLI shows is one of these, as one line."""


class HilError(Exception):
    """Base of every error hil reports to the user."""


class ConfigError(HilError):
    """A board file, option or argument is not what was wanted."""


class ToolMissingError(HilError):
    """An external program (compiler, emulator, PlatformIO) is not installed."""


class BuildError(HilError):
    """Building the firmware failed."""


class FlashError(HilError):
    """Flashing or booting a board failed."""


class LinkError(HilError):
    """The serial link failed: no reply, closed connection, broken frames."""


class BoardResetError(LinkError):
    """The board rebooted while a request was in flight."""

    def __init__(self, message: str, reset_cause: str):
        super().__init__(message)
        self.reset_cause = reset_cause


class DeviceError(HilError):
    """The board answered a request with an error status."""

    def __init__(self, message: str, status: int, payload: bytes = b""):
        super().__init__(message)
        self.status = status
        self.payload = payload


class ModelError(HilError):
    """A model file is malformed, or uses something the runtime does not support."""


class BudgetError(HilError):
    """A model or configuration does not fit the board or the budget it was given."""


class FarmError(HilError):
    """The board farm failed or has no place that fits: coordinator, exporter, place or reservation."""
