"""`hil bench link | kernels`: benchmarks that print their figures."""

from __future__ import annotations

from hil import report
from hil.bench.kernels import bench_kernels
from hil.bench.link import bench_link
from hil.boards import get_board
from hil.shell import board_options, board_session, emit


def cmd_bench_link(args) -> None:
    with board_session(args, get_board(args.board)) as session:
        result = bench_link(session, pings=args.pings, sizes_bytes=[k * 1024 for k in args.sizes_kib])
    emit(args, result, report.bench_link_table(result))


def cmd_bench_kernels(args) -> None:
    with board_session(args, get_board(args.board)) as session:
        result = bench_kernels(session)
    emit(args, result, report.bench_kernels_table(result))


def cmd_bench_models(args) -> None:
    from hil.bench.gallery import GALLERY
    from hil.bench.models import bench_models
    from hil.errors import ConfigError
    from hil.farm.places import coordinator_address

    names = [n.strip() for n in args.models.split(",") if n.strip()] if args.models else list(GALLERY)
    unknown = [n for n in names if n not in GALLERY]
    if unknown or not names:
        raise ConfigError(f"--models: wanted names from {', '.join(GALLERY)}, got '{args.models}'")
    board = get_board(args.board)
    remote = args.url or coordinator_address(getattr(args, "farm", None))
    opener = (lambda: board_session(args, board)) if remote else None  # a remote board is not flashed
    result = bench_models(board, names, seed=args.seed, open_session=opener)
    emit(args, result, report.bench_models_table(result))


def add_bench_parser(sub) -> None:
    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="bench", required=True)
    p = bench.add_parser("link", help="round-trip latency and throughput of the serial link")
    board_options(p)
    p.add_argument("--pings", type=int, default=200)
    p.add_argument("--sizes-kib", type=int, nargs="+", default=[1, 4, 16, 64], metavar="KIB")
    p.set_defaults(func=cmd_bench_link)
    p = bench.add_parser("kernels", help="MACs per cycle (instruction, on the emulator) of each kernel")
    board_options(p)
    p.set_defaults(func=cmd_bench_kernels)
    p = bench.add_parser("models", help="the model gallery on a board: MACs, counts per inference, placement")
    board_options(p)
    p.add_argument("--models", metavar="A,B", help="gallery models to run (default all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the models' weights and the inputs (default 0)")
    p.set_defaults(func=cmd_bench_models)
