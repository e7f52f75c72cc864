"""conv-fsenet: a causal streaming Conv-FSENet (DynCP's backbone) sized for the STM32F446, static.

Input(T, 257) power-law features (hil.dsp.spec.FSENET: 512/256 Hann, |X|^0.3) -> Dense(64) front-end ->
7 residual blocks, dilations 1, 2, 4, 8, 1, 2, 4 (Dense(128, relu) expansion, causal depthwise conv k=3,
relu, Dense(64) projection, residual) -> Dense(257, sigmoid) mask. The static member of the DynCP family
(target usage 1.0: no gates; its blocks run as HIL_GATED_CONV with every channel kept and no gate head).
The family's code: net.py (Keras), family.py (data, training, export, scoring); the gated members are
dyncp-75, dyncp-50, dyncp-25. docs/dyncp.md.

Train: hil train conv-fsenet [--data DIR] [--seed S] [--epochs E] [--out DIR]
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

NAME, TARGET = "conv-fsenet", 1.0
TAKES_DATA = True


def family():
    spec = importlib.util.spec_from_file_location("hil_zoo_conv_fsenet_family", Path(__file__).with_name("family.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run, main = family().entry(NAME, TARGET, __doc__)

if __name__ == "__main__":
    main()
