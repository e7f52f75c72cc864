"""dyncp-75: Conv-FSENet (models/conv-fsenet) with DynCP gates trained to use 75 % of the blocks' gated channels.

Train: hil train dyncp-75 [--data DIR] [--seed S] [--epochs E] [--out DIR]   (docs/dyncp.md)
"""

from hil.zoo import load_recipe

NAME, TARGET, TAKES_DATA = "dyncp-75", 0.75, True
run, main = load_recipe("conv-fsenet").family().entry(NAME, TARGET, __doc__)

if __name__ == "__main__":
    main()
