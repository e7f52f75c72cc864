"""The host side of the serial link: transports by URL, framing, sessions."""
