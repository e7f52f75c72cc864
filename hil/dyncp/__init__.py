"""DynCP on the board: gated Conv-FSENet models (HIL_GATED_CONV blocks) run frame by frame, their
per-frame channel usage, MACs executed (counted from the gates) and instructions (measured on a board),
held-out quality, and the report per target ratio (`hil dyncp report`). docs/dyncp.md."""
