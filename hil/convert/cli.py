"""`hil convert MODEL --calib DATA.npy --out M.tflite [--activations int8|int16] [--seed S] [--json]`.

hil/cli.py wires it in with `add_convert_parser(sub)`; errors are HilErrors, printed there as one line.
MODEL is a .keras path or a zoo name (models/<name>/model.keras). DATA is a .npy of rows (a
structured .npy with one field per input for multi-input models) or an .npz keyed by input name.
"""

from __future__ import annotations

import json

from hil.convert.keras_to_tflite import ACTIVATIONS
from hil.outputs import writable_file


def cmd_convert(args) -> None:
    from hil.convert.keras_to_tflite import convert, load_calib, resolve_model
    from hil.compile.model_info import model_info

    resolve_model(args.model)  # a bad model name is reported before a bad calib file
    writable_file(args.out)
    out = convert(args.model, load_calib(args.calib), args.out, activations=args.activations, seed=args.seed)
    data = out.read_bytes()
    info = model_info(data)
    result = {
        "out": str(out),
        "ops": info.ops,
        "activations": args.activations,
        "size_bytes": len(data),
        "inputs": [{"name": t.name, "shape": list(t.shape), "dtype": t.dtype.__name__} for t in info.inputs],
        "outputs": [{"name": t.name, "shape": list(t.shape), "dtype": t.dtype.__name__} for t in info.outputs],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(out)
        print(f"{args.activations}, {len(data)} bytes, ops: {' '.join(info.ops)}")


def add_convert_parser(subparsers) -> None:
    p = subparsers.add_parser("convert", help="convert a Keras model to a full-integer TFLite flatbuffer")
    p.add_argument("model", metavar="MODEL", help="a .keras file or a zoo model name (models/<name>)")
    p.add_argument("--calib", required=True, metavar="DATA", help="calibration rows: .npy, or .npz keyed by input name")
    p.add_argument("--out", required=True, metavar="M.tflite", help="where to write the flatbuffer")
    p.add_argument("--activations", choices=ACTIVATIONS, default="int8", help="int8 (default), or int16 (16x8 mode)")
    p.add_argument("--seed", type=int, default=0, help="random seed set before converting (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON: out, ops, activations, size_bytes, inputs, outputs")
    p.set_defaults(func=cmd_convert)
