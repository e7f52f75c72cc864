"""The speech chain's cost per hop on the emulated board, per chain (hil/dsp/spec.py).

Usage: .venv/bin/python benchmarks/chain_cost.py
Streams the same espeak-ng utterance with white noise (tests/stream_models.py: about 1.5 s at 10 dB SNR)
through each chain the board runs, with the smallest mask model of the chain's bins (one int8 LOGISTIC of the
features, so the model stage is that op and its stream bookkeeping), and prints the mean instructions per hop
of each stage (counter tim2-icount: deterministic), per hop, and per second of audio."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.stream_models: the tests' mask models

from hil.boards import get_board  # noqa: E402
from hil.dsp.spec import FSENET, NSNET2  # noqa: E402
from hil.step.chain import StreamModel, stream_utterance  # noqa: E402
from hil.targets import target_for  # noqa: E402
from tests.stream_models import mask_tflite, utterance  # noqa: E402


def main() -> None:
    rows = []
    with target_for(get_board("qemu-f446")).session() as session:
        for chain in (NSNET2, FSENET):
            result = stream_utterance(session, StreamModel.from_tflite(mask_tflite(chain)), utterance())
            mean = result.stage_counts.mean(axis=0)
            per_hop = float(mean.sum())
            rows.append({"chain": chain.label(),
                         "counter": result.counter, "hops": len(result.stage_counts),
                         **{stage: round(float(v)) for stage, v in zip(result.stages, mean)},
                         "per_hop": round(per_hop), "per_second": round(per_hop * 16000 / chain.hop)})  # fmt: skip
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
