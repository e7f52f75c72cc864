"""dyncp-50: Conv-FSENet (models/conv-fsenet) with DynCP gates trained to use 50 % of the blocks' gated channels.

Train: hil train dyncp-50 [--data DIR] [--seed S] [--epochs E] [--out DIR]   (docs/dyncp.md)
"""

from hil.zoo import load_recipe

NAME, TARGET, TAKES_DATA = "dyncp-50", 0.50, True
run, main = load_recipe("conv-fsenet").family().entry(NAME, TARGET, __doc__)

if __name__ == "__main__":
    main()
