"""The stepping layer: everything that runs a model one invocation or one step at a time.

roles.py      which input/output of a single-step model is the features, the mask, each state
loop.py       the Runner interface, row runs, the stream loop that feeds each state back
reference.py  the golden engines: TFLM (in a child process) and the TFLite reference kernels
engines.py    the table of engines a step model streams on: tflm, ref, sim
chain.py      the speech chain streamed hop by hop: on a board, in the simulator, in the host mirror

It imports only lower layers (compile, sim, dsp, link, quant); models, searches and commands use it.
"""
