"""Which chain a model was trained with, as part of its identity.

A zoo model's card.json says it (`"chain": {...}`, hil.dsp.spec.ChainSpec.to_dict()); its int8 .tflite
carries it as the metadata entry `hil_chain` (that dict as JSON), written when the zoo model is converted
(hil.convert.keras_to_tflite.convert). A card or .tflite without one was made for nsNet2's chain, the
default. Every chain read here is checked: one the board cannot run is a ConfigError, one line, before
any board work.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hil.dsp.spec import NSNET2, ChainSpec
from hil.errors import ConfigError

METADATA = "hil_chain"


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    return schema


def _metadata(tflite: bytes) -> dict[str, bytes]:
    """The flatbuffer's metadata entries by name."""
    model = _schema().Model.GetRootAs(tflite, 0)
    out = {}
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        buf = model.Buffers(entry.Buffer()) if entry.Buffer() < model.BuffersLength() else None
        data = buf.DataAsNumpy() if buf is not None and buf.DataLength() else np.zeros(0, np.uint8)
        out[(entry.Name() or b"").decode("utf-8", "replace")] = data.tobytes()
    return out


def chain_of(tflite: bytes, where: str = "model") -> ChainSpec:
    """The chain a .tflite names in its `hil_chain` metadata, checked; nsNet2's when it names none."""
    try:
        raw = _metadata(bytes(tflite)).get(METADATA)
    except Exception as exc:  # the generated reader raises whatever a corrupt buffer triggers
        raise ConfigError(f"{where}: wanted a TFLite flatbuffer to read its {METADATA} metadata, got "
                          f"{type(exc).__name__}: {exc}") from None  # fmt: skip
    if raw is None:
        return NSNET2
    try:
        d = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{where}: its {METADATA} metadata: wanted JSON, got {raw[:40]!r}") from None
    return ChainSpec.from_dict(d, f"{where}: {METADATA} metadata")


def with_chain(tflite: bytes, chain: ChainSpec) -> bytes:
    """The .tflite with its `hil_chain` metadata set to this (checked) chain."""
    import flatbuffers

    schema = _schema()
    data = json.dumps(chain.check().to_dict(), sort_keys=True).encode()
    model = schema.ModelT.InitFromPackedBuf(bytearray(tflite), 0)
    model.buffers = model.buffers or []
    entry = next((m for m in model.metadata or [] if m.name in (METADATA, METADATA.encode())), None)
    if entry is None:
        entry = schema.MetadataT()
        entry.name, entry.buffer = METADATA, len(model.buffers)
        model.buffers.append(schema.BufferT())
        model.metadata = [*(model.metadata or []), entry]
    model.buffers[entry.buffer].data = np.frombuffer(data, np.uint8)
    builder = flatbuffers.Builder(len(tflite) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def card_chain(folder: Path) -> ChainSpec | None:
    """The chain a zoo folder's card.json names (checked), or None when there is no card or no chain."""
    path = Path(folder) / "card.json"
    if not path.is_file():
        return None
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: wanted a JSON model card, got {type(exc).__name__}: {exc}") from None
    chain = card.get("chain") if isinstance(card, dict) else None
    return None if chain is None else ChainSpec.from_dict(chain, f"{path}: chain")
