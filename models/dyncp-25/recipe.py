"""dyncp-25: Conv-FSENet (models/conv-fsenet) with DynCP gates trained to use 25 % of the blocks' gated channels.

Train: hil train dyncp-25 [--data DIR] [--seed S] [--epochs E] [--out DIR]   (docs/dyncp.md)
"""

from hil.zoo import load_recipe

NAME, TARGET, TAKES_DATA = "dyncp-25", 0.25, True
run, main = load_recipe("conv-fsenet").family().entry(NAME, TARGET, __doc__)

if __name__ == "__main__":
    main()
